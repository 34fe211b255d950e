"""Payment collection (回款): a deal's payment plan, the money that comes in, what is still open.

The commands (/payment, /paid, /receivables: bot/commands/), the reminder rule
(bot/jobs/payment_reminders.py), the digest's overdue receivables and /progress's collected
sums read and write through here (what is due and open: bot/payment_dues.py). A plan is steps in order, each an amount of the deal's currency due on
a day, or on a delivery milestone's done day plus days (bot/milestones.py). Money received is
applied to the oldest open step, a part payment kept on it, the rest carried to the next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import milestones
from bot.context import Context
from bot.customers import find
from bot.intents import CustomerRef
from bot.outcome import Outcome
from bot.payment_dues import Receivables, milestone_due, open_within, owner_zone
from bot.reach import Reach
from storage.models import Customer, Deal
from storage.process import Milestone, Payment, PaymentStep

ZERO = Decimal(0)
CENT = Decimal("0.01")


class Refused(Exception):
    """A request refused or asked back; its words are messages/<locale>/payments.j2 `key`."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params


I = TypeVar("I")


def answered(handler: Callable[[Context, I], Outcome]) -> Callable[[Context, I], Outcome]:
    """A handler whose refusals (raised before it writes anything) are replied in its words."""

    @wraps(handler)
    def run(ctx: Context, intent: I) -> Outcome:
        try:
            return handler(ctx, intent)
        except Refused as r:
            return Outcome().reply(ctx.t(f"payments.{r.key}", **r.params), private=True)

    return run


# --- which deal ---------------------------------------------------------------------------------


def deal_for(
    ctx: Context, deal_ref: int | None, customer: CustomerRef | None, *, paying: bool = False
) -> tuple[Deal, Customer, list[Deal]]:
    """The deal a line names: `D12` within reach (else as one that does not exist), or a
    customer's: with money still to come in first when `paying`, then the one won last, then
    the open one touched last. Returns the other candidates too, so the reply can name them."""
    s = ctx.session
    if deal_ref is not None:
        deal = s.get(Deal, deal_ref)
        if deal is not None and deal.tenant_id == ctx.tenant.id:
            owner = s.get(Customer, deal.customer_id)
            if owner is not None and ctx.reach.customer(owner):
                return deal, owner, []
        raise Refused("unknown_deal", ref=deal_ref)
    assert customer is not None
    found, _ = find(ctx, customer, create=False)
    deals = list(
        s.scalars(
            select(Deal)
            .where(Deal.customer_id == found.id, Deal.status.in_(("won", "open")))
            .order_by(Deal.id.desc())
            .limit(50)
        )
    )
    if not deals:
        raise Refused("no_deal", customer=found.name)
    owing = set()
    if paying:
        owing = set(
            s.scalars(
                select(PaymentStep.deal_id).where(
                    PaymentStep.customer_id == found.id, PaymentStep.status == "open"
                )
            )
        )

    def rank(d: Deal) -> tuple[Any, ...]:
        when = d.closed_at if d.status == "won" and d.closed_at else d.last_touch_at
        return (d.id in owing, d.status == "won", when, d.id)

    deals.sort(key=rank, reverse=True)
    return deals[0], found, deals[1:]


def lock(ctx: Context, deal: Deal) -> None:
    """One plan or payment of a deal at a time: a second one waits, then reads the first's."""
    ctx.session.refresh(deal, with_for_update=True)


# --- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StepSpec:
    """One step as written: a percentage of the deal or a sum, and a day or a milestone."""

    terms: str  # the step as written: 70% 验收后30天
    percent: Decimal | None = None
    value: Decimal | None = None
    currency: str | None = None
    due: date | None = None
    milestone: str | None = None  # M3, or words of a milestone's title (验收)
    after_days: int = 0


def steps_of(session: Session, deal_id: int, *statuses: str) -> list[PaymentStep]:
    return list(
        session.scalars(
            select(PaymentStep)
            .where(PaymentStep.deal_id == deal_id, PaymentStep.status.in_(statuses))
            .order_by(PaymentStep.sequence, PaymentStep.id)
        )
    )


def plan(
    ctx: Context, deal: Deal, customer: Customer, specs: list[StepSpec], *, rest: bool = False
) -> dict[str, Any]:
    """Write `specs` as the deal's plan, replacing an open plan nothing was paid on yet; with
    `rest`, as what is still to come in: the steps paid on are kept (a part-paid one closed at
    what was paid) and the others replaced. Returns what the reply says (the steps, and the
    notes on what does not add up)."""
    s = ctx.session
    if deal.status == "lost":
        raise Refused("deal_lost", deal=deal, customer=customer)
    lock(ctx, deal)
    current = steps_of(s, deal.id, "open", "paid")
    paid = sum((st.paid for st in current), ZERO)
    if paid > 0 and not rest:
        raise Refused("plan_has_payments", deal=deal, customer=customer, steps=current, paid=paid)
    if any(sp.percent is not None for sp in specs) and deal.amount is None:
        raise Refused("no_amount", deal=deal, customer=customer)
    for sp in specs:
        if sp.currency and sp.currency != deal.currency:
            raise Refused("currency", deal=deal, terms=sp.terms, currency=sp.currency)
    amounts = [
        (deal.amount or ZERO) * sp.percent / 100 if sp.percent is not None else sp.value or ZERO
        for sp in specs
    ]
    amounts = [a.quantize(CENT) for a in amounts]
    kept = [st for st in current if st.paid > 0]  # only with `rest`: else refused above
    done = sum((st.paid for st in kept), ZERO)
    percents = [sp.percent for sp in specs if sp.percent is not None]
    if len(percents) == len(specs) and deal.amount is not None:
        short = deal.amount - done - sum(amounts, ZERO)
        if 0 < abs(short) <= CENT * len(specs):  # no cent lost to rounding
            amounts[-1] += short
    zone = owner_zone(s, deal, ctx.tenant)
    anchors: list[Milestone | None] = []
    for sp in specs:
        if sp.milestone is None:
            anchors.append(None)
            continue
        m = milestones.named(s, deal.id, sp.milestone)
        if m is None:
            choices = milestones.of_deal(s, deal.id)
            raise Refused(
                "unknown_milestone", deal=deal, words=sp.milestone, terms=sp.terms, choices=choices
            )
        anchors.append(m)
    for old in current:
        if old in kept:
            if old.status == "open":  # a part payment closes its step at what was paid
                old.amount, old.status, old.paid_at = old.paid, "paid", ctx.now
        else:
            old.status = "replaced"
    rows = []
    first = max((st.sequence for st in kept), default=0) + 1
    for n, (sp, amount, m) in enumerate(zip(specs, amounts, anchors, strict=True), start=first):
        row = PaymentStep(
            tenant_id=ctx.tenant.id,
            deal_id=deal.id,
            customer_id=customer.id,
            sequence=n,
            amount=amount,
            currency=deal.currency,
            percent=sp.percent,
            due_on=sp.due if m is None else milestone_due(m, sp.after_days, zone),
            milestone_id=m.id if m else None,
            after_days=sp.after_days if m else None,
            terms=sp.terms[:200],
            paid=ZERO,
            status="open",
            created_by_id=ctx.me.id,
            created_at=ctx.now,
        )
        s.add(row)
        rows.append((row, m))
    s.flush()
    total = sum(amounts, ZERO)
    return {
        "steps": rows,
        "kept": kept,
        "total": total,
        "replaced": len(current) - len(kept),
        "gap": None if deal.amount is None else deal.amount - done - total,
        # the percentages' sum, when every step is one (and none was paid before)
        "percent": sum(percents, ZERO) if len(percents) == len(specs) and not kept else None,
        "not_won": deal.status != "won",
        # steps already past their day: overdue from now on (said, so a mistyped date shows)
        "past": [
            st
            for st, _ in rows
            if st.due_on and st.due_on < ctx.now.astimezone(ZoneInfo(ctx.tz)).date()
        ],
    }


def step_state(step: PaymentStep) -> dict[str, Any]:
    """What the audit keeps of a step."""
    return {
        "id": step.id,
        "sequence": step.sequence,
        "amount": step.amount,
        "currency": step.currency,
        "due_on": step.due_on.isoformat() if step.due_on else None,
        "milestone_id": step.milestone_id,
        "after_days": step.after_days,
        "paid": step.paid,
        "status": step.status,
    }


# --- money in -----------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Applied:
    step: PaymentStep
    amount: Decimal  # what this payment put on it
    settled: bool  # the step is paid in full now


def receive(
    ctx: Context, deal: Deal, customer: Customer, value: Decimal, currency: str | None, at: datetime
) -> tuple[Payment, list[Applied], list[PaymentStep]]:
    """Record `value` received on the deal and apply it to its oldest open steps; returns the
    payment, where it went, and the steps still open. More than everything still open on a
    plan is refused, saying how much is open."""
    s = ctx.session
    if deal.status == "lost":
        raise Refused("deal_lost", deal=deal, customer=customer)
    if currency and currency != deal.currency:
        raise Refused("currency", deal=deal, terms=f"{value}", currency=currency)
    lock(ctx, deal)
    open_ = steps_of(s, deal.id, "open")
    planned = open_ or steps_of(s, deal.id, "paid")
    still = sum((st.amount - st.paid for st in open_), ZERO)
    if planned and value > still:
        raise Refused(
            "more_than_open",
            deal=deal,
            customer=customer,
            value=value,
            still=still,
            currency=deal.currency,
        )
    payment = Payment(
        tenant_id=ctx.tenant.id,
        deal_id=deal.id,
        customer_id=customer.id,
        amount=value,
        currency=deal.currency,
        received_at=at,
        recorded_by_id=ctx.me.id,
        recorded_at=ctx.now,
    )
    s.add(payment)
    rest, applied = value, []
    for st in open_:
        if rest <= 0:
            break
        take = min(rest, st.amount - st.paid)
        st.paid += take
        rest -= take
        if st.paid >= st.amount:
            st.status, st.paid_at = "paid", at
        applied.append(Applied(step=st, amount=take, settled=st.status == "paid"))
    s.flush()
    return payment, applied, [st for st in open_ if st.status == "open"]


# --- a period's collections ---------------------------------------------------------------------


def collected(
    session: Session, tenant_id: int, owner_id: int, start: datetime, end: datetime
) -> dict[str, Decimal]:
    """Money received in [start, end) on the deals `owner_id` owns, per currency."""
    rows = session.execute(
        select(Payment.currency, func.sum(Payment.amount))
        .join(Deal, Deal.id == Payment.deal_id)
        .where(
            Payment.tenant_id == tenant_id,
            Payment.received_at >= start,
            Payment.received_at < end,
            Deal.owner_id == owner_id,
        )
        .group_by(Payment.currency)
    )
    return {c: Decimal(v or 0) for c, v in rows}


def planned(
    session: Session, tenant_id: int, owner_id: int, first: date, until: date
) -> dict[str, Decimal]:
    """What the plans of `owner_id`'s deals have falling due on days in [first, until)."""
    rows = session.execute(
        select(PaymentStep.currency, func.sum(PaymentStep.amount))
        .join(Deal, Deal.id == PaymentStep.deal_id)
        .where(
            PaymentStep.tenant_id == tenant_id,
            PaymentStep.status.in_(("open", "paid")),
            PaymentStep.due_on >= first,
            PaymentStep.due_on < until,
            Deal.owner_id == owner_id,
        )
        .group_by(PaymentStep.currency)
    )
    return {c: Decimal(v or 0) for c, v in rows}


def overdue_for_digest(
    session: Session, tenant_id: int, reach: Reach, now: datetime, tz: str
) -> Receivables | None:
    """The digest's section: the overdue steps within `reach`, riskiest first; None if none."""
    today = now.astimezone(ZoneInfo(tz)).date()
    found = open_within(session, tenant_id, reach, today, overdue_only=True)
    return found if found.rows else None
