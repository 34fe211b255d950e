"""/req <customer> <customer's words> [confirm @a @b] (/需求 … 确认人 @a): a requirement in the
customer's words, put up for confirmation on a card; /req R3 <words> is its next version.
Every version is kept, and each required confirmer presses Confirm or Request change."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from bot.buttons import Act
from bot.commands.command import Action, Command
from bot.context import Context, UserError
from bot.customers import find
from bot.grammar.line import Fail, Line
from bot.intents import CustomerRef, Intent
from bot.lexer import Token, is_ref, ref_id, tokenize
from bot.outcome import Button, Card, CardUpdate, Outcome
from bot.parse.normalize import normalize
from bot.parse.quotes import unquote
from bot.people import manager_of, resolve_mention
from storage.models import Confirmation, Customer, Person, Requirement, RequirementVersion


@dataclass(frozen=True, kw_only=True)
class ReqAdd(Intent):
    customer: CustomerRef
    text: str
    confirmers: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ReqRevise(Intent):
    requirement_id: int
    text: str
    confirmers: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ReqButton:
    """What a requirement card's buttons carry: the version shown, `req.confirm:3:2`."""

    requirement_id: int
    version: int


_CONFIRM = re.compile(r"(?i)(?:^|(?<=\s))(?:confirm(?:ers)?\s*:?|确认人\s*:?)(?=\s*@)")


def parse(line: Line, tokens: list[Token]) -> Intent:
    if not tokens:
        raise Fail("missing_customer", "req")
    revise = (
        ref_id(tokens[0].text, "requirement") if is_ref(tokens[0].text, "requirement") else None
    )
    if revise is not None:
        customer, rest = None, tokens[1:]
    else:
        customer, rest = line.customer(tokens)
    text = line.from_(rest)
    confirmers: tuple[str, ...] = ()
    m = _CONFIRM.search(normalize(text))
    if m:
        confirmers = tuple(line.mentions(tokenize(normalize(text), m.end())))
        text = text[: m.start()].strip()
    text = unquote(text)  # the rep's quotes around the customer's words are not theirs
    if not text:
        raise Fail("missing_text", "req")
    if customer is None:
        return ReqRevise(requirement_id=revise, text=text, confirmers=confirmers)
    return ReqAdd(customer=customer, text=text, confirmers=confirmers)


def add(ctx: Context, intent: ReqAdd) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True)
    confirmers = _confirmers(ctx, intent.confirmers, customer)
    req = Requirement(
        tenant_id=ctx.tenant.id,
        customer_id=customer.id,
        author_id=ctx.me.id,
        current_version=1,
        confirmer_ids=[str(p.id) for p in confirmers],
        created_at=ctx.now,
    )
    ctx.session.add(req)
    ctx.session.flush()
    _add_version(ctx, req, intent.text)
    out = Outcome()
    if created:
        out.reply(ctx.t("customers.created", customer=customer))
    return out.extend(_announce(ctx, req, customer))


def revise(ctx: Context, intent: ReqRevise) -> Outcome:
    req = _get(ctx, intent.requirement_id)
    customer = ctx.session.get_one(Customer, req.customer_id)
    confirmers = [int(pid) for pid in req.confirmer_ids]
    if not ctx.reach.involved(customer, *confirmers):
        raise UserError("unknown_requirement", ref=intent.requirement_id)
    if intent.confirmers:
        req.confirmer_ids = [str(p.id) for p in _confirmers(ctx, intent.confirmers, customer)]
    req.current_version += 1
    req.status = "pending"
    _add_version(ctx, req, intent.text)
    return _announce(ctx, req, customer)


def confirm(ctx: Context, press: ReqButton) -> Outcome:
    return _press(ctx, "confirm", press.requirement_id, press.version)


def change(ctx: Context, press: ReqButton) -> Outcome:
    return _press(ctx, "change", press.requirement_id, press.version)


def _press(ctx: Context, decision: str, req_id: int, version: int) -> Outcome:
    # the requirement's row stays locked until this press commits: presses on it take turns,
    # and each one sees every decision committed before its turn (a double click included)
    req = _get(ctx, req_id, lock=True)
    customer = ctx.session.get_one(Customer, req.customer_id)
    if str(ctx.me.id) not in req.confirmer_ids:
        raise UserError("not_a_confirmer", ref=req.id)
    if version != req.current_version:
        raise UserError("stale_version", ref=req.id, shown=version, current=req.current_version)
    mine = ctx.session.scalar(
        select(Confirmation).where(
            Confirmation.requirement_id == req.id,
            Confirmation.version == version,
            Confirmation.person_id == ctx.me.id,
        )
    )
    if mine is not None and mine.decision == decision:
        # pressed again (a double click, a second device, a retry): nothing changes, so
        # nothing is announced; only the presser hears that it was already done
        return Outcome().reply(
            ctx.t("requirements.already_decided", req=req, decision=decision, customer=customer),
            private=True,
        )
    if mine is None:
        mine = Confirmation(
            tenant_id=ctx.tenant.id,
            requirement_id=req.id,
            version=version,
            person_id=ctx.me.id,
            decision=decision,
            decided_at=ctx.now,
        )
        ctx.session.add(mine)
    else:
        mine.decision, mine.decided_at = decision, ctx.now
    ctx.session.flush()
    decisions = _decisions(ctx, req)
    reopened = decision == "change" and req.status == "confirmed"  # it was agreed: say so
    if decision == "change":
        req.status = "change"
    elif all(decisions.get(int(pid)) == "confirm" for pid in req.confirmer_ids):
        req.status = "confirmed"
    else:
        req.status = "pending"
    out = Outcome()
    out.updates.append(CardUpdate(card=card(ctx, req, customer)))
    said = {"req": req, "customer": customer, "reopened": reopened}
    out.reply(ctx.t("requirements.pressed", decision=decision, me=ctx.me, **said))
    author = ctx.session.get(Person, req.author_id) if req.author_id else None
    if author is not None and author.id != ctx.me.id and req.status in ("confirmed", "change"):
        out.push(
            author.id,
            ctx.t_for(
                author,
                "requirements.author_news",
                by=ctx.me,
                **said,
            ),
        )
    return out


def card(ctx: Context, req: Requirement, customer: Customer) -> Card:
    versions = list(
        ctx.session.scalars(
            select(RequirementVersion)
            .where(RequirementVersion.requirement_id == req.id)
            .order_by(RequirementVersion.version)
        )
    )
    decisions = _decisions(ctx, req)
    confirmers = [
        {"person": ctx.session.get_one(Person, int(pid)), "decision": decisions.get(int(pid))}
        for pid in req.confirmer_ids
    ]
    params = {"req": req, "customer": customer, "versions": versions, "confirmers": confirmers}
    buttons: tuple[Button, ...] = ()
    if req.status != "confirmed":
        v = req.current_version
        buttons = (
            Button(
                id=CONFIRM.id(ReqButton(requirement_id=req.id, version=v)),
                label=ctx.t("requirements.confirm_button"),
                style="primary",
            ),
            Button(
                id=CHANGE.id(ReqButton(requirement_id=req.id, version=v)),
                label=ctx.t("requirements.change_button"),
            ),
        )
    return Card(
        key=f"req:{req.id}",
        title=ctx.t("requirements.card_title", **params),
        body=ctx.t("requirements.card_body", **params),
        fields=(
            (ctx.t("requirements.status_label"), ctx.t("requirements.status", req=req)),
            (
                ctx.t("requirements.confirmers_label"),
                ctx.t("requirements.confirmers", confirmers=confirmers),
            ),
        ),
        buttons=buttons,
        fallback=ctx.t("requirements.card_text", **params),
        tone={"confirmed": "done", "change": "alert"}.get(req.status, "waiting"),
    )


def _announce(ctx: Context, req: Requirement, customer: Customer) -> Outcome:
    shown = card(ctx, req, customer)
    out = Outcome().reply(card=shown)
    for pid in req.confirmer_ids:
        person = ctx.session.get_one(Person, int(pid))
        if person.id != ctx.me.id:
            # the card comes with the request: where the team does not share one chat (a 1:1
            # chat with an app), the confirmer could not press the buttons of the asker's copy
            text = ctx.t_for(
                person,
                "requirements.please_confirm",
                req=req,
                customer=customer,
                by=ctx.me,
            )
            out.push(person.id, text, card=shown)
    return out


def _add_version(ctx: Context, req: Requirement, text: str) -> None:
    ctx.session.add(
        RequirementVersion(
            tenant_id=ctx.tenant.id,
            requirement_id=req.id,
            version=req.current_version,
            text=text,
            author_id=ctx.me.id,
            created_at=ctx.now,
        )
    )
    ctx.session.flush()


def _get(ctx: Context, req_id: int, *, lock: bool = False) -> Requirement:
    """The requirement; `lock`: its row held until commit (`Context.row`)."""
    req = ctx.row(Requirement, req_id, lock=lock)
    if req is None:
        raise UserError("unknown_requirement", ref=req_id)
    return req


def _decisions(ctx: Context, req: Requirement) -> dict[int, str]:
    rows = ctx.session.scalars(
        select(Confirmation).where(
            Confirmation.requirement_id == req.id, Confirmation.version == req.current_version
        )
    )
    return {c.person_id: c.decision for c in rows}


def _confirmers(ctx: Context, tokens: tuple[str, ...], customer: Customer) -> list[Person]:
    """The named confirmers; by default the owner's manager, else the owner."""
    if tokens:
        people = [resolve_mention(ctx, t) for t in tokens]
        return list({p.id: p for p in people}.values())
    owner = ctx.session.get(Person, customer.owner_id) if customer.owner_id else ctx.me
    owner = owner or ctx.me
    return [manager_of(ctx.session, owner) or owner]


CONFIRM = Action(act=Act.REQ_CONFIRM, args=ReqButton, run=confirm)
CHANGE = Action(act=Act.REQ_CHANGE, args=ReqButton, run=change)

COMMAND = Command(
    key="req",
    en=("req",),
    zh=("需求",),
    parse=parse,
    handles={ReqAdd: add, ReqRevise: revise},
    buttons=(CONFIRM, CHANGE),
)
