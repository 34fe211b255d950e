"""Quote and discount approvals: who decides, the card they decide on, and the clock from
request to decision in working time.

The command (bot/commands/approval.py), the listing (bot/commands/approvals_view.py) and the
scheduled rule (bot/jobs/approvals.py) read and write approvals through here. An approval waits
on one approver at a time (`level` 1 first); escalation hands it to the next level."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from bot.approval_rules import ApprovalRules
from bot.buttons import Act, button_id
from bot.outcome import Button, Card
from bot.people import manager_of
from bot.reach import Reach
from bot.worktime import WorkCalendar
from storage.models import Customer, Deal, Identity, Person
from storage.process import Approval

# what an approval's state means to its reader (bot/outcome.Card.tone)
_TONES = {"pending": "waiting", "approved": "done", "rejected": "alert"}

Say = Callable[..., str]  # words for one reader: say(key, **params)


def approved_quote(session: Session, deal_id: int) -> bool:
    """True when the deal has an approved approval (a quote or discount signed off)."""
    return bool(approved_quotes(session, [deal_id]))


def approved_quotes(session: Session, deal_ids: Collection[int]) -> set[int]:
    """Those of `deal_ids` with an approved approval, in one statement."""
    if not deal_ids:
        return set()
    return set(
        session.scalars(
            select(Approval.deal_id)
            .where(Approval.deal_id.in_(deal_ids), Approval.status == "approved")
            .distinct()
        )
    )


def within(reach: Reach) -> ColumnElement[bool]:
    """The approvals `reach` shows, as SQL with `Customer` joined: those on customers within
    reach, those the person asking requested or decides, and those requested by someone
    within reach (a manager sees what their reps asked for, wherever it waits)."""
    return or_(
        reach.involved_sql(Approval.requester_id, Approval.approver_id),
        reach.owned(Approval.requester_id),
    )


# --- who decides ---------------------------------------------------------------------------------


def _admin(session: Session, tenant_id: int, besides: Iterable[int | None]) -> Person | None:
    """The tenant's first admin who is none of `besides`; else its first admin at all."""
    admins = list(
        session.scalars(
            select(Person)
            .where(Person.tenant_id == tenant_id, Person.role == "admin")
            .order_by(Person.id)
        )
    )
    skip = set(besides)
    return next((p for p in admins if p.id not in skip), admins[0] if admins else None)


def _named(session: Session, tenant_id: int, name: str) -> Person | None:
    """A person configured by name: their display name or a platform handle, any case."""
    key = name.lstrip("@").casefold()
    by_name = session.scalar(
        select(Person)
        .where(Person.tenant_id == tenant_id, func.lower(Person.display_name) == key)
        .order_by(Person.id)
        .limit(1)
    )
    if by_name is not None:
        return by_name
    return session.scalar(
        select(Person)
        .join(Identity, Identity.person_id == Person.id)
        .where(Person.tenant_id == tenant_id, func.lower(Identity.handle) == key)
        .order_by(Person.id)
        .limit(1)
    )


def first_approver(
    session: Session,
    rules: ApprovalRules,
    requester: Person,
    amount: Decimal | None,
    discount: Decimal | None,
) -> Person:
    """The first band that matches names the approver ("manager", "admin" or a person); by
    default, and when the one named is not found, the rep's manager, else an admin, else the
    rep (a team of one)."""
    for band in rules.bands:
        if not band.matches(amount, discount):
            continue
        if band.approver.casefold() == "admin":
            found = _admin(session, requester.tenant_id, [requester.id])
        elif band.approver.casefold() == "manager":
            found = manager_of(session, requester)
        else:
            found = _named(session, requester.tenant_id, band.approver)
        if found is not None:
            return found
        break
    return (
        manager_of(session, requester)
        or _admin(session, requester.tenant_id, [requester.id])
        or requester
    )


def next_approver(session: Session, approval: Approval) -> Person | None:
    """The next level: the current approver's own manager, else an admin who is neither the
    approver nor the rep; None when there is nobody above."""
    current = session.get(Person, approval.approver_id) if approval.approver_id else None
    if current is not None:
        above = manager_of(session, current)
        if above is not None and above.id != approval.requester_id:
            return above
    besides = [approval.approver_id, approval.requester_id]
    admin = _admin(session, approval.tenant_id, besides)
    if admin is None or admin.id in besides:
        return None
    return admin


def may_decide(approval: Approval, person: Person) -> bool:
    return person.id == approval.approver_id or person.role == "admin"


# --- the clock -----------------------------------------------------------------------------------


def working_seconds(cal: WorkCalendar, start: datetime, end: datetime, tz: str) -> int:
    """Working time between two moments, in seconds (weekends, holidays and nights left out)."""
    if end <= start:
        return 0
    zone = ZoneInfo(tz)
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    total = 0.0
    while day <= last:
        hours = cal.working_hours(day, tz)
        if hours is not None:
            a, b = max(hours[0], start), min(hours[1], end)
            if b > a:
                total += (b - a).total_seconds()
        day += timedelta(days=1)
    return int(total)


def hours(seconds: float) -> Decimal:
    """Seconds as working hours with one decimal, as people read them."""
    return (Decimal(seconds) / 3600).quantize(Decimal("0.1"))


@dataclass(frozen=True, kw_only=True)
class DecisionTimes:
    count: int
    median_hours: Decimal  # working hours from request to decision
    slowest_hours: Decimal
    slowest_id: int  # the approval that took longest (A<id>)


def decision_times(
    session: Session,
    tenant_id: int,
    person_ids: Iterable[int],
    since: datetime,
    until: datetime,
) -> DecisionTimes | None:
    """How long the approvals requested by `person_ids` and decided in [since, until) waited
    for their decision, in working hours: the median and the slowest; None when none were."""
    rows = session.execute(
        select(Approval.id, Approval.working_seconds).where(
            Approval.tenant_id == tenant_id,
            Approval.decided_at >= since,
            Approval.decided_at < until,
            Approval.requester_id.in_(list(person_ids)),
            Approval.working_seconds.is_not(None),
        )
    ).all()
    if not rows:
        return None
    slowest = max(rows, key=lambda r: (r[1], -r[0]))
    return DecisionTimes(
        count=len(rows),
        median_hours=hours(statistics.median(r[1] for r in rows)),
        slowest_hours=hours(slowest[1]),
        slowest_id=slowest[0],
    )


# --- the card ------------------------------------------------------------------------------------


def card(session: Session, say: Say, approval: Approval) -> Card:
    """The approval's card, for one reader: its terms, who asked, who decides, and Approve,
    Reject and Ask while it is pending."""
    customer = session.get_one(Customer, approval.customer_id)
    deal = session.get_one(Deal, approval.deal_id)
    people = {
        "requester": session.get(Person, approval.requester_id) if approval.requester_id else None,
        "approver": session.get(Person, approval.approver_id) if approval.approver_id else None,
        "decider": session.get(Person, approval.decided_by_id) if approval.decided_by_id else None,
    }
    params = {"a": approval, "customer": customer, "deal": deal, **people}
    buttons: tuple[Button, ...] = ()
    if approval.status == "pending":
        buttons = (
            Button(
                id=button_id(Act.APPROVAL_APPROVE, approval.id),
                label=say("approval.approve_button"),
                style="primary",
            ),
            Button(
                id=button_id(Act.APPROVAL_REJECT, approval.id),
                label=say("approval.reject_button"),
                style="danger",
            ),
            Button(id=button_id(Act.APPROVAL_ASK, approval.id), label=say("approval.ask_button")),
        )
    return Card(
        key=f"approval:{approval.id}",
        title=say("approval.card_title", **params),
        body=say("approval.card_body", **params),
        # the state first: where a card shows one line once nothing is left to press (a settled
        # button's new name), that line is the decision
        fields=(
            (say("approval.status_label"), say("approval.status", **params)),
            (say("approval.terms_label"), say("approval.terms", **params)),
            (say("approval.requester_label"), say("approval.person", p=people["requester"])),
            (say("approval.approver_label"), say("approval.approver_line", **params)),
        ),
        buttons=buttons,
        fallback=say("approval.card_text", **params),
        tone=_TONES.get(approval.status, "info"),
    )
