"""/milestone D12 <what> <when> [@owner] (/交付): a deal's delivery milestone; `/milestone M3
done` finishes one; `/milestone D12` lists a deal's. A customer's name works in place of D12
(the deal won last, else the open one touched last). The owner is the one @-named, else the
deal's owner (who answers for its delivery), else the writer; the reply says which."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import audit
from bot import milestones as ms
from bot.commands.command import Action, Command
from bot.commands.rows import ago, day_off, owners_day
from bot.commands.task import DONE_WORDS
from bot.context import Context, UserError
from bot.customers import find
from bot.grammar.line import Fail, Line
from bot.grammar.steps import dates, deadline, unread
from bot.intents import CustomerRef, Intent
from bot.lexer import Token, is_ref, ref_id
from bot.outcome import CardUpdate, Outcome
from bot.parse.dates import read_when
from bot.parse.normalize import ascii_lower, normalize
from bot.people import resolve_mention
from bot.speaker import speaker
from storage.models import Customer, Deal, Person
from storage.process import Milestone


@dataclass(frozen=True, kw_only=True)
class DealRef:
    """D12, or a customer's name (its deal won last, else the open one touched last)."""

    deal_id: int | None = None
    customer: CustomerRef | None = None


@dataclass(frozen=True, kw_only=True)
class MilestoneAdd(Intent):
    deal: DealRef
    title: str
    due: datetime
    due_all_day: bool
    owner: str | None = None  # @token; None: the deal's owner


@dataclass(frozen=True, kw_only=True)
class MilestoneList(Intent):
    deal: DealRef


@dataclass(frozen=True, kw_only=True)
class MilestoneDone(Intent):
    milestone_id: int


@dataclass(frozen=True, kw_only=True)
class MilestoneShow(Intent):
    """`/milestone M3`, or `/milestone M3 <words that are not done>`: the milestone's deal's
    list, and how to finish it."""

    milestone_id: int
    text: str = ""


def parse(line: Line, tokens: list[Token]) -> Intent:
    if not tokens:
        raise Fail("missing_customer", "milestone")
    first = tokens[0].text
    if is_ref(first, "milestone") and not line.ctx.is_customer(first):
        mid = ref_id(first, "milestone")
        assert mid is not None
        text = line.from_(tokens[1:])
        if ascii_lower(normalize(text)).strip() in DONE_WORDS:
            return MilestoneDone(milestone_id=mid)
        return MilestoneShow(milestone_id=mid, text=text)
    if is_ref(first, "deal") and not line.ctx.is_customer(first):
        deal, rest = DealRef(deal_id=ref_id(first, "deal")), tokens[1:]
    else:
        customer, rest = line.customer(tokens)
        deal_id = None
        if rest and is_ref(rest[0].text, "deal"):
            deal_id, rest = ref_id(rest[0].text, "deal"), rest[1:]
        deal = DealRef(deal_id=deal_id, customer=customer)
    if not rest:
        return MilestoneList(deal=deal)
    owner = None
    if rest[-1].mention:
        owner, rest = rest[-1].mention, rest[:-1]
    elif rest[0].mention:
        owner, rest = rest[0].mention, rest[1:]
    text = line.words(rest)
    what, when = deadline(line, text) if text else ("", None)
    if when is None:
        if text and dates(line, read_when, text):
            raise Fail("missing_text", "milestone")  # only a date: what is delivered?
        unread(line, text)
        raise Fail("missing_when", "milestone", text=text)
    if not what:
        raise Fail("missing_text", "milestone")
    return MilestoneAdd(deal=deal, title=what, due=when.at, due_all_day=when.all_day, owner=owner)


def _deal(ctx: Context, ref: DealRef) -> tuple[Deal, Customer]:
    if ref.customer is None:
        assert ref.deal_id is not None
        return ms.deal_by_ref(ctx, ref.deal_id)
    customer, _ = find(ctx, ref.customer, create=False)
    if ref.deal_id is not None:
        deal, found = ms.deal_by_ref(ctx, ref.deal_id)
        if found.id != customer.id:
            raise UserError("unknown_deal", ref=ref.deal_id, customer=customer.name)
        return deal, customer
    deal = ms.deal_of_customer(ctx.session, customer)
    if deal is None:
        raise UserError("milestone_no_deal", customer=customer.name)
    return deal, customer


def add(ctx: Context, intent: MilestoneAdd) -> Outcome:
    deal, customer = _deal(ctx, intent.deal)
    if intent.owner:
        owner, why = resolve_mention(ctx, intent.owner), "named"
    elif deal.owner_id and (dealer := ctx.session.get(Person, deal.owner_id)) is not None:
        owner, why = dealer, "deal"
    else:
        owner, why = ctx.me, "me"
    m = Milestone(
        tenant_id=ctx.tenant.id,
        deal_id=deal.id,
        customer_id=customer.id,
        title=intent.title,
        due_at=owners_day(ctx, intent.due, intent.due_all_day, owner),
        due_all_day=intent.due_all_day,
        owner_id=owner.id,
        status="open",
        created_by_id=ctx.me.id,
        created_at=ctx.now,
        reminders_sent=0,
    )
    ctx.session.add(m)
    ctx.session.flush()
    audit.record(
        ctx,
        "milestone.new",
        f"milestone:{m.id}",
        customer_id=customer.id,
        after=_state(m),
        deal_id=deal.id,
    )
    said = {"m": m, "deal": deal, "customer": customer, "owner": owner}
    out = Outcome().reply(
        ctx.t(
            "milestone.added",
            **said,
            why=why,
            me=owner.id == ctx.me.id,
            ago=ago(ctx, m.due_at, m.due_all_day),
            off=day_off(ctx, m.due_at, m.due_all_day),
        )
    )
    if owner.id != ctx.me.id:
        out.push(owner.id, ctx.t_for(owner, "milestone.assigned", **said, by=ctx.me))
    return out


def listing(ctx: Context, intent: MilestoneList) -> Outcome:
    deal, customer = _deal(ctx, intent.deal)
    return _listing(ctx, deal, customer)


def _listing(ctx: Context, deal: Deal, customer: Customer, text: str = "") -> Outcome:
    items = ms.rows(ctx, ms.of_deal(ctx.session, deal.id))
    shown = ctx.t("milestone.listing", deal=deal, customer=customer, items=items, text=text)
    return Outcome().reply(shown, private=True)


def show(ctx: Context, intent: MilestoneShow) -> Outcome:
    m = ms.own(ctx, intent.milestone_id)
    deal = ctx.session.get_one(Deal, m.deal_id)
    customer = ctx.session.get_one(Customer, m.customer_id)
    return _listing(ctx, deal, customer, text=intent.text)


def done_line(ctx: Context, intent: MilestoneDone) -> Outcome:
    return done(ctx, ms.MilestoneButton(milestone_id=intent.milestone_id))


def done(ctx: Context, press: ms.MilestoneButton) -> Outcome:
    """Finished: when, by whom, and how late it was (said, kept in the audit). A payment step
    hung on it becomes due from `done_at` (the payment plan reads it)."""
    m = ms.own(ctx, press.milestone_id, lock=True)  # a second press waits, then finds it done
    if m.status == "done":
        return Outcome().reply(ctx.t("milestone.already_done", m=m), private=True)
    before = _state(m)
    m.status, m.done_at, m.done_by_id = "done", ctx.now, ctx.me.id
    cal = ctx.settings.calendar_for(ctx.tenant.timezone)
    owner = ctx.session.get(Person, m.owner_id) if m.owner_id else None
    tz = speaker(owner, ctx.tenant).zone if owner else ctx.tz
    late = ms.lateness(m, ctx.now, cal, tz)
    deal = ctx.session.get_one(Deal, m.deal_id)
    customer = ctx.session.get_one(Customer, m.customer_id)
    audit.record(
        ctx,
        "milestone.done",
        f"milestone:{m.id}",
        customer_id=m.customer_id,
        before=before,
        after=_state(m),
        deal_id=m.deal_id,
        late=f"{late[0]} {late[1]}" if late else None,
    )
    said = {"m": m, "deal": deal, "customer": customer, "late": late, "by": ctx.me}
    out = Outcome()
    if press.on_card:
        out.updates.append(
            CardUpdate(card=ms.reminder_card(ctx.t, m, deal, customer, late=late, by=ctx.me))
        )
    else:
        out.reply(ctx.t("milestone.marked_done", **said))
    if owner is not None and owner.id != ctx.me.id:  # the owner hears who finished theirs
        out.push(owner.id, ctx.t_for(owner, "milestone.done_by_other", **said))
    return out


def _state(m: Milestone) -> dict[str, object]:
    return {
        "title": m.title,
        "due_at": m.due_at,
        "owner_id": m.owner_id,
        "status": m.status,
        "done_at": m.done_at,
    }


DONE = Action(act=ms.DONE_ACT, args=ms.MilestoneButton, run=done)

COMMAND = Command(
    key="milestone",
    en=("milestone",),
    zh=("交付", "交付节点"),
    parse=parse,
    handles={
        MilestoneAdd: add,
        MilestoneList: listing,
        MilestoneDone: done_line,
        MilestoneShow: show,
    },
    buttons=(DONE,),
)
