"""/deal <customer> new|stage|amount|won|lost|close|renewal … (/商机): creating deals and
moving them through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot import audit, checklists
from bot.commands import deal_tasks
from bot.commands.command import Command
from bot.commands.deal_renewal import DealRenewal, set_renewal
from bot.context import Context, UserError
from bot.customers import find, open_deals, other_deals, pick_deal
from bot.grammar.line import Fail, Line
from bot.intents import CustomerRef, Intent
from bot.lexer import Token, is_ref, ref_id
from bot.outcome import Outcome
from bot.parse.amounts import Amount, out_of_range, parse_amount
from bot.parse.normalize import normalize
from storage.models import Customer, Deal


@dataclass(frozen=True, kw_only=True)
class DealCommand(Intent):
    customer: CustomerRef | None  # None: the deal is named by its id alone (/deal D12 …)
    deal_ref: int | None
    verb: str  # show new stage amount won lost close commit uncommit
    title: str = ""
    amount: Amount | None = None
    stage: str | None = None
    note: str = ""
    when: datetime | None = None
    override: str | None = None  # a manager's reason to move past open checklist items


DEAL_VERBS = {
    "new": "new",
    "create": "new",
    "新建": "new",
    "创建": "new",
    "stage": "stage",
    "阶段": "stage",
    "amount": "amount",
    "金额": "amount",
    "won": "won",
    "win": "won",
    "赢单": "won",
    "lost": "lost",
    "lose": "lost",
    "输单": "lost",
    "丢单": "lost",
    "close": "close",
    "预计成交": "close",
    # the rep commits to winning it: the forecast's "committed" (bot/forecast.py)
    "commit": "commit",
    "承诺": "commit",
    "uncommit": "uncommit",
    "取消承诺": "uncommit",
    "renewal": "renewal",  # a won deal's renewal day (bot/commands/deal_renewal.py)
    "renew": "renewal",
    "续约": "renewal",
}


def parse(line: Line, tokens: list[Token]) -> DealCommand | DealRenewal:
    deal_ref = None
    first = tokens[0] if tokens else None
    if (
        first
        and not first.quoted
        and is_ref(first.text, "deal")
        and not line.ctx.is_customer(first.text)
    ):
        customer, deal_ref, rest = None, ref_id(first.text, "deal"), tokens[1:]
    else:
        customer, rest = line.customer(tokens, verbs=DEAL_VERBS)
    if customer is not None and rest and is_ref(rest[0].text, "deal"):
        deal_ref, rest = ref_id(rest[0].text, "deal"), rest[1:]
    if not rest:
        return DealCommand(customer=customer, deal_ref=deal_ref, verb="show")
    verb = DEAL_VERBS.get(rest[0].folded)
    if verb is None:
        raise Fail("unknown_deal_verb", "deal", word=line.words(rest[:1]))
    args, override = rest[1:], None
    if verb in ("stage", "won"):
        args, override = checklists.override_of(line, args)
    text = line.words(args) if override else line.from_(args)  # the reason is not the stage
    base = {"customer": customer, "deal_ref": deal_ref, "verb": verb, "override": override}
    if verb == "new":
        if customer is None:  # a new deal is the customer's: /deal Acme new …
            raise Fail("missing_customer", "deal")
        amount, n = _trailing_amount(line, args)
        title = line.words(args[:-n] if amount else args)
        return DealCommand(**base, title=title, amount=amount)
    if verb == "stage":
        if not text:
            raise Fail("missing_stage", "deal")
        stage = line.ctx.pipeline.find(normalize(text))
        if stage is None:
            raise Fail("unknown_stage", "deal", text=text)
        return DealCommand(**base, stage=stage.key)
    if verb == "amount":
        amount = (
            (parse_amount(text) or parse_amount(normalize(text).replace(" ", ""))) if text else None
        )
        if amount is None:
            raise Fail("bad_amount", "deal", text=text)
        return DealCommand(**base, amount=amount)
    if verb == "renewal":
        when = line.when(text) if text else None
        if when is None:
            raise Fail("missing_when", "deal", text=text)
        return DealRenewal(customer=customer, deal_ref=deal_ref, when=when)
    if verb == "close":
        when = line.when(text) if text else None
        if when is None:
            raise Fail("missing_when", "deal", text=text)
        return DealCommand(**base, when=when)
    return DealCommand(**base, note=text)


AMOUNT_WORDS = 6  # an amount is at most this many words: "about $1.2 million excl. VAT"


def _trailing_amount(line: Line, args: list[Token]) -> tuple[Amount | None, int]:
    """The amount that ends a new deal's line and how many words it takes: the longest run of
    last words read as one (28万 （含税）, $1.2 million, 30,000 EUR), else (None, 0). An amount
    no deal has (above 10^12, or finer than cents) is refused, never taken for a title."""
    for n in range(min(len(args), AMOUNT_WORDS), 0, -1):
        if any(t.quoted for t in args[-n:]):
            continue
        text = line.words(args[-n:])
        if (amount := parse_amount(text)) is not None:
            return amount, n
        if out_of_range(text):
            raise Fail("amount_out_of_range", "deal", text=text)
    return None, 0


def deal(ctx: Context, intent: DealCommand) -> Outcome:
    if intent.verb == "new":
        return _new(ctx, intent)
    if intent.customer is None:  # /deal D12 …
        _, customer = checklists.deal_by_ref(ctx, intent.deal_ref or 0)
    else:
        customer, _ = find(ctx, intent.customer, create=False)
    if intent.verb == "show":
        deals = open_deals(ctx.session, customer)
        return Outcome().reply(ctx.t("deals.listing", customer=customer, deals=deals), private=True)
    verb = _verb(ctx, intent)
    target, others = pick_deal(ctx, customer, intent.deal_ref)
    if target is None:
        if verb in OUTCOMES and (last := _last_closed(ctx, customer)) is not None:
            raise _closed(last, customer, none_open=True)  # "won" again: say when it was
        raise UserError("no_open_deal", customer=customer.name)
    ctx.session.refresh(target, with_for_update=True)  # a second "won" at once waits, then
    if target.status != "open":  # finds it won: a deal is won (and audited) once
        raise _closed(target, customer)
    before = audit.deal_state(target)
    passed = Outcome()  # a required checklist item open holds it back (bot/checklists.py)
    if verb in ("stage", "won"):
        passed = checklists.gate(ctx, target, customer, intent.stage or verb, intent.override)
    if verb == "stage":
        _move(ctx, target, intent.stage or "")
    elif verb == "amount" and intent.amount:
        target.amount = intent.amount.value
        target.currency = intent.amount.currency or target.currency
        target.tax_note = intent.amount.tax  # the note goes with the amount it was written with
    elif verb == "close":
        target.expected_close = intent.when
    elif verb in ("commit", "uncommit"):
        target.committed = verb == "commit"
        target.committed_by_id, target.committed_at = ctx.me.id, ctx.now
    elif verb in OUTCOMES:
        _move(ctx, target, verb)
        target.status, target.closed_at = verb, ctx.now
        target.lost_reason = intent.note or None
    target.last_touch_at = ctx.now
    _audit(ctx, target, verb, before)
    stage = ctx.settings.pipeline.get(target.stage)
    text = ctx.t(
        "deals.changed",
        verb=verb,
        deal=target,
        customer=customer,
        stage=stage.name(ctx.locale),
        others=others,
        note=intent.note,
        approx=bool(intent.amount and intent.amount.approx),
    )
    out = Outcome().reply(text).extend(passed)
    if target.stage != before["stage"]:
        out.extend(checklists.entered(ctx, target, customer))  # the new stage's checklist
    if verb in OUTCOMES and (card := deal_tasks.left_open(ctx, target, customer)) is not None:
        out.reply(card=card, private=True)  # what it leaves open, offered for closing
    return out


OUTCOMES = ("won", "lost")  # the closed stages (bot/config.py allows no others)


def _verb(ctx: Context, intent: DealCommand) -> str:
    """`stage won` is `won` and `stage lost` is `lost`: an outcome, however it is reached."""
    if intent.verb == "stage" and intent.stage:
        stage = ctx.settings.pipeline.get(intent.stage)
        if stage.closed and stage.key in OUTCOMES:
            return stage.key
    return intent.verb


def _last_closed(ctx: Context, customer: Customer) -> Deal | None:
    return ctx.session.scalar(
        select(Deal)
        .where(Deal.customer_id == customer.id, Deal.status.in_(OUTCOMES))
        .order_by(Deal.closed_at.desc(), Deal.id.desc())
        .limit(1)
    )


def _closed(target: Deal, customer: Customer, *, none_open: bool = False) -> UserError:
    return UserError(
        "deal_closed",
        deal=target.id,
        status=target.status,
        title=target.title,
        customer=customer.name,
        at=target.closed_at,
        none_open=none_open,
    )


def _move(ctx: Context, target: Deal, stage_key: str) -> None:
    stage = ctx.settings.pipeline.get(stage_key)
    missing = [f for f in stage.requires if getattr(target, f) is None]
    if missing:
        raise UserError(
            "stage_requires", stage=stage.name(ctx.locale), fields=missing, deal=target.id
        )
    if target.stage != stage.key:
        target.stage, target.stage_entered_at = stage.key, ctx.now


def _new(ctx: Context, intent: DealCommand) -> Outcome:
    amount = intent.amount
    assert intent.customer is not None  # the grammar asks for it (`/deal D12 new` is refused)
    customer, created = find(ctx, intent.customer, create=True)
    target = Deal(
        tenant_id=ctx.tenant.id,
        customer_id=customer.id,
        title=intent.title or customer.name,
        amount=amount.value if amount else None,
        currency=(amount.currency if amount and amount.currency else ctx.tenant.currency),
        tax_note=amount.tax if amount else None,
        stage=ctx.settings.pipeline.first.key,
        owner_id=customer.owner_id or ctx.me.id,
        stage_entered_at=ctx.now,
        last_touch_at=ctx.now,
        created_at=ctx.now,
    )
    ctx.session.add(target)
    ctx.session.flush()
    _audit(ctx, target, "new", {})
    others = other_deals(ctx.session, customer, target.id)
    stage = ctx.settings.pipeline.first.name(ctx.locale)
    out = Outcome().reply(
        ctx.t(
            "deals.created",
            deal=target,
            customer=customer,
            created=created,
            stage=stage,
            others=others,
            approx=bool(amount and amount.approx),
        )
    )
    return out.extend(checklists.entered(ctx, target, customer))  # the first stage's checklist


def _audit(ctx: Context, target: Deal, action: str, before: dict[str, Any]) -> None:
    audit.record(
        ctx,
        f"deal.{action}",
        f"deal:{target.id}",
        customer_id=target.customer_id,
        before=before or None,
        after=audit.deal_state(target),
    )


COMMAND = Command(
    key="deal",
    en=("deal",),
    zh=("商机",),
    parse=parse,
    handles={DealCommand: deal, DealRenewal: set_renewal},
    buttons=(deal_tasks.CLOSE_ALL,),
)
