"""Stage checklists: what to do at each stage of a deal, and what must be true to leave it.

A stage's checklist comes from the pipeline config (bot/pipeline.py `ChecklistItem`, defaults
there). Entering a stage posts the deal's checklist as a card (`entered`); items are ticked on
the card or with /check D12 2 (bot/commands/check.py), and each tick is kept with who and when
(storage `ChecklistTick`, never deleted: an untick marks it undone). An item with a `fact` is
true by itself when the fact holds (the quote stage's approved quote, bot/approvals.py).

Leaving a stage forward (a later stage, or won) with a required item open is refused, naming
the open items (`gate`); a manager or an admin may override with a reason, and the override is
audited. Moving back and losing a deal are never held up: a lost deal is a fact to record, and
a deal sent back has nothing left to check at the stage it leaves. The morning digest names
deals sitting in a stage with a required item open for longer than the stage allows
(bot/checklist_digest.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit, buttons
from bot.approvals import approved_quotes
from bot.context import Context, UserError
from bot.grammar.line import Fail
from bot.grammar.line import Line as GrammarLine
from bot.lexer import Token
from bot.outcome import Button, Card, Outcome
from bot.pipeline import ChecklistItem, Pipeline, Stage
from storage.models import Customer, Deal, Person
from storage.process import ChecklistTick

# facts that make an item true by itself, by the name the config gives them (`done_when`):
# each gives those of the deals named for which it holds, in one statement for all of them
FACTS: dict[str, Callable[[Session, Collection[int]], set[int]]] = {
    "approved_quote": approved_quotes,
}


def holding(
    session: Session, items: Iterable[ChecklistItem], deal_ids: Collection[int]
) -> set[tuple[str, int]]:
    """(fact, deal id) for each fact among `items` that holds for one of `deal_ids`."""
    facts = {item.fact for item in items if item.fact in FACTS}
    return {(f, d) for f in sorted(f for f in facts if f) for d in FACTS[f](session, deal_ids)}


OVERRIDERS = ("manager", "admin")  # roles that may move a deal past an open required item


@dataclass(frozen=True, kw_only=True)
class Line:
    """One item of a deal's checklist as it stands: its number (1-based), its live tick and
    who ticked it, or the fact that makes it true."""

    n: int
    item: ChecklistItem
    tick: ChecklistTick | None = None
    by: Person | None = None
    fact: bool = False

    @property
    def done(self) -> bool:
        return self.tick is not None or self.fact


@dataclass(kw_only=True)
class Checklist:
    deal: Deal
    customer: Customer
    stage: Stage
    lines: list[Line] = field(default_factory=list)

    @property
    def open_required(self) -> list[Line]:
        return [line for line in self.lines if line.item.required and not line.done]

    @property
    def done(self) -> int:
        return sum(line.done for line in self.lines)


def stage_of(pipeline: Pipeline, key: str) -> Stage | None:
    """The stage a deal is in; None when the config no longer has it."""
    return next((s for s in pipeline.stages if s.key == key), None)


def live_ticks(session: Session, deal_id: int, stage: str) -> dict[str, ChecklistTick]:
    rows = session.scalars(
        select(ChecklistTick)
        .where(
            ChecklistTick.deal_id == deal_id,
            ChecklistTick.stage == stage,
            ChecklistTick.undone_at.is_(None),
        )
        .order_by(ChecklistTick.ticked_at, ChecklistTick.id)
    )
    return {t.item: t for t in rows}


def checklist(session: Session, deal: Deal, customer: Customer, stage: Stage) -> Checklist:
    """The deal's checklist at `stage`, each item with its tick or its fact."""
    ticks = live_ticks(session, deal.id, stage.key)
    people = {t.ticked_by_id for t in ticks.values() if t.ticked_by_id}
    names = (
        {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(people)))}
        if people
        else {}
    )
    lines = []
    held = holding(session, stage.checklist, [deal.id])
    for n, item in enumerate(stage.checklist, 1):
        tick = ticks.get(item.key)
        fact = (item.fact, deal.id) in held
        by = names.get(tick.ticked_by_id) if tick and tick.ticked_by_id else None
        lines.append(Line(n=n, item=item, tick=tick, by=by, fact=fact))
    return Checklist(deal=deal, customer=customer, stage=stage, lines=lines)


def deal_by_ref(ctx: Context, deal_id: int, *, lock: bool = False) -> tuple[Deal, Customer]:
    """D12 within the speaker's reach; anything else answers as a deal that does not exist.
    `lock`: the deal's row is held until commit, so ticks on one deal take turns."""
    deal = ctx.row(Deal, deal_id, lock=lock)
    if deal is not None:
        customer = ctx.session.get(Customer, deal.customer_id)
        if customer is not None and ctx.reach.customer(customer):
            return deal, customer
    raise UserError("unknown_deal_ref", ref=deal_id)


# --- the card ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CheckButton:
    """What a checklist card's buttons carry: `check.tick:12:4:2`, deal D12, the stage's place
    in the pipeline (so a card of a stage the deal has left is not ticked by mistake), item 2."""

    deal_id: int
    stage: int
    item: int


TICK_ACT = "check.tick"


def card(ctx: Context, sheet: Checklist) -> Card:
    params = {
        "deal": sheet.deal,
        "customer": sheet.customer,
        "stage": sheet.stage.name(ctx.locale),
        "lines": sheet.lines,
        "open_required": sheet.open_required,
        "done": sheet.done,
    }
    place = ctx.settings.pipeline.index(sheet.stage.key)
    open_stage = sheet.deal.status == "open" and sheet.deal.stage == sheet.stage.key
    shown = tuple(
        Button(
            id=buttons.encode(
                TICK_ACT, CheckButton(deal_id=sheet.deal.id, stage=place, item=line.n)
            ),
            label=ctx.t("check.tick_button", n=line.n),
        )
        for line in sheet.lines
        if open_stage and not line.done and not line.item.fact
    )
    return Card(
        key=f"check:{sheet.deal.id}:{sheet.stage.key}",
        title=ctx.t("check.card_title", **params),
        body=ctx.t("check.card_body", **params),
        fields=((ctx.t("check.status_label"), ctx.t("check.status", **params)),),
        buttons=shown,
        fallback=ctx.t("check.card_text", **params),
        # all the required items ticked: done; some left while the deal sits in the stage:
        # someone has to tick them
        tone="done" if not sheet.open_required else "waiting" if open_stage else "info",
    )


def entered(ctx: Context, deal: Deal, customer: Customer) -> Outcome:
    """The checklist of the stage the deal has just entered, as a card in the conversation
    (nothing when the stage has none)."""
    stage = stage_of(ctx.settings.pipeline, deal.stage)
    if stage is None or not stage.checklist or deal.status != "open":
        return Outcome()
    return Outcome().reply(card=card(ctx, checklist(ctx.session, deal, customer, stage)))


# --- ticking ----------------------------------------------------------------------------------


def no_checklist(ctx: Context, deal: Deal, customer: Customer, stage: Stage | None) -> UserError:
    """The answer when the deal has no checklist to show or tick (closed, or its stage has none)."""
    return UserError(
        "check_no_checklist",
        deal=deal.id,
        customer=customer.name,
        stage=stage.name(ctx.locale) if stage else deal.stage,
        status=deal.status,
    )


def tick(
    ctx: Context,
    deal: Deal,
    customer: Customer,
    numbers: tuple[int, ...],
    *,
    undo: bool = False,
    place: int | None = None,
) -> tuple[Checklist, list[tuple[str, Line]]]:
    """Tick (or untick) items `numbers` of the deal's current checklist; returns the checklist
    after it and what happened to each item: ticked, unticked, already, not_ticked, fact.
    `place`: the stage the clicked card shows, refused once the deal has left it."""
    stage = stage_of(ctx.settings.pipeline, deal.stage)
    if deal.status != "open" or stage is None or not stage.checklist:
        raise no_checklist(ctx, deal, customer, stage)
    if place is not None and place != ctx.settings.pipeline.index(stage.key):
        raise UserError(
            "check_stage_left", deal=deal.id, stage=stage.name(ctx.locale), customer=customer.name
        )
    size = len(stage.checklist)
    wrong = [n for n in numbers if not 1 <= n <= size]
    if wrong:
        raise UserError("check_no_item", deal=deal.id, numbers=wrong, size=size)
    before = checklist(ctx.session, deal, customer, stage)
    done: list[tuple[str, Line]] = []
    for n in dict.fromkeys(numbers):
        line = before.lines[n - 1]
        if line.item.fact is not None:
            done.append(("fact", line))
        elif undo and line.tick is None:
            done.append(("not_ticked", line))
        elif undo and line.tick is not None:
            line.tick.undone_at, line.tick.undone_by_id = ctx.now, ctx.me.id
            done.append(("unticked", line))
        elif line.tick is not None:
            done.append(("already", line))
        else:
            ctx.session.add(
                ChecklistTick(
                    tenant_id=ctx.tenant.id,
                    deal_id=deal.id,
                    stage=stage.key,
                    item=line.item.key,
                    text=line.item.name(ctx.locale),
                    ticked_by_id=ctx.me.id,
                    ticked_at=ctx.now,
                )
            )
            done.append(("ticked", line))
    ctx.session.flush()
    return checklist(ctx.session, deal, customer, stage), done


# --- the gate ---------------------------------------------------------------------------------

OVERRIDE = {"override", "force", "强制", "强行"}  # /deal D12 stage … override <reason>


def override_of(line: GrammarLine, args: list[Token]) -> tuple[list[Token], str | None]:
    """The words before an override word, and the reason after it (None: no override); an
    override without its reason is asked back."""
    for k, token in enumerate(args):
        if not token.quoted and token.folded in OVERRIDE:
            reason = line.from_(args[k + 1 :])
            if not reason:
                raise Fail("missing_override_reason", line.command, word=token.text)
            return args[:k], reason
    return args, None


def gate(ctx: Context, deal: Deal, customer: Customer, to: str, override: str | None) -> Outcome:
    """Refuse to move the deal forward (to a later stage, or won) while a required item of its
    stage is open, unless a manager or an admin overrides with a reason (audited); what to say
    about an override that let it through."""
    pipeline = ctx.settings.pipeline
    here, there = stage_of(pipeline, deal.stage), stage_of(pipeline, to)
    if here is None or there is None or here.key == there.key or there.key == "lost":
        return Outcome()
    forward = there.closed or pipeline.index(there.key) > pipeline.index(here.key)
    if not forward or not any(item.required for item in here.checklist):
        return Outcome()
    sheet = checklist(ctx.session, deal, customer, here)
    missing = sheet.open_required
    if not missing:
        return Outcome()
    said = {
        "deal": deal.id,
        "customer": customer.name,
        "stage": here.name(ctx.locale),
        "to": there.name(ctx.locale),
        "to_key": there.key,
        "items": [(line.n, line.item.name(ctx.locale), line.item.fact) for line in missing],
    }
    if override is None:
        raise UserError("check_open_items", **said)
    if ctx.me.role not in OVERRIDERS:
        raise UserError("check_override_refused", **said)
    audit.record(
        ctx,
        "deal.checklist_override",
        f"deal:{deal.id}",
        customer_id=deal.customer_id,
        before={"stage": here.key},
        after={"stage": there.key},
        reason=override,
        open_items=[line.item.key for line in missing],
    )
    return Outcome().reply(ctx.t("check.overridden", me=ctx.me, reason=override, **said))
