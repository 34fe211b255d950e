"""Customers going quiet, and renewals coming: who should be called this week.

The one entry point, for the owner's Monday list (bot/jobs/quiet.py) and the manager's weekly
review alike:

    quiet_customers(session, *, tenant_id, owner_ids, now, tz, quiet_days,
                    renewal_within_days, manager_id=None) -> list[QuietCustomer]

- `owner_ids`: whose customers (None: every customer of the tenant, ownerless ones too);
- `manager_id`: adds the customers whose owner has left (`owner_left`) that this person is to
  reassign: the lead of the team their owner last left, or, when none is known, every admin;
- a customer is listed when its last touch (its newest activity, else its creation) is more
  than `quiet_days` days before today in `tz` (91 days of 90), or when a won deal of it renews within
  `renewal_within_days` days of today in `tz` (reason "renewal", which wins over "quiet");
  one snoozed ("Snooze 30 days", `snooze`) stays off until its snooze ends;
- renewals first (soonest first), then the quietest first.

`quiet_card(say, key=…, items=…)` draws such a list as a card with "Log a call" and "Snooze
30 days" for the first QUIET_BUTTONS customers, and a /handover hint for those whose owner left.

The scan reads customers by owner (ix_customers_owner) and each one's newest touch from
ix_activities_customer, one index seek each: never all the tenant's activities.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.buttons import Act, encode
from bot.outcome import Button, Card
from storage.models import Activity, AuditEntry, Customer, Deal, Person, Team

SNOOZE_DAYS = 30  # the button says so
QUIET_SHOWN = 20  # a list longer than this says how many more
QUIET_BUTTONS = 8  # customers with their own two buttons: 16, within every card format
TEAM_CHANGES_READ = 200  # the latest /team changes searched for the team a person left

Say = Callable[..., str]  # words for the card's reader: (key, **params) -> text


@dataclass(frozen=True, kw_only=True)
class QuietCustomer:
    customer_id: int
    name: str
    owner_id: int | None
    last_touch: datetime  # its newest activity, else when it was created
    days_quiet: int
    reason: str  # "quiet" | "renewal"
    renewal_on: date | None  # the nearest renewal day of its won deals, within the window
    renewal_deal_id: int | None
    owner_left: bool  # no owner, or the owner is in no team any more


@dataclass(frozen=True, kw_only=True)
class QuietButton:
    """What both buttons carry: `quiet.log:12`, `quiet.snooze:12` (customer C12)."""

    customer_id: int


def quiet_customers(
    session: Session,
    *,
    tenant_id: int,
    owner_ids: Collection[int] | None,
    now: datetime,
    tz: str,
    quiet_days: int,
    renewal_within_days: int,
    manager_id: int | None = None,
) -> list[QuietCustomer]:
    """The customers to call (see the module's docstring)."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    # quiet: last touched before the day `quiet_days` days ago began, in the owner's zone
    cutoff = datetime.combine(today - timedelta(days=quiet_days), time(0), zone)
    left = _left_owners(session, tenant_id)
    whose = [] if owner_ids is None else [Customer.owner_id.in_(sorted(owner_ids))]
    if manager_id is not None:
        mine = _reassigned_by(session, tenant_id, manager_id, left)
        if mine:  # people who left, or (None) customers with no owner at all
            known = sorted(p for p in mine if p is not None)
            whose.append(Customer.owner_id.in_(known))
            if None in mine:
                whose.append(Customer.owner_id.is_(None))
    if owner_ids is not None and not whose:
        return []
    touched = (
        select(func.max(Activity.occurred_at))
        .where(Activity.customer_id == Customer.id)
        .correlate(Customer)
        .scalar_subquery()
    )
    renews = (
        select(func.min(Deal.renewal_on))
        .where(Deal.customer_id == Customer.id, Deal.status == "won", Deal.renewal_on >= today)
        .correlate(Customer)
        .scalar_subquery()
    )
    last = func.coalesce(touched, Customer.created_at)
    horizon = today + timedelta(days=renewal_within_days)
    rows = session.execute(
        select(Customer.id, Customer.name, Customer.owner_id, last, renews)
        .where(
            Customer.tenant_id == tenant_id,
            or_(*whose) if whose else True,
            or_(Customer.quiet_snoozed_until.is_(None), Customer.quiet_snoozed_until <= now),
            or_(last < cutoff, renews <= horizon),
        )
        .order_by(Customer.id)
    ).all()
    renewing = _renewal_deals(session, [r[0] for r in rows if r[4] is not None and r[4] <= horizon])
    found = []
    for cid, name, owner_id, last_at, renewal in rows:
        near = renewal is not None and renewal <= horizon
        found.append(
            QuietCustomer(
                customer_id=cid,
                name=name,
                owner_id=owner_id,
                last_touch=last_at,
                days_quiet=(today - last_at.astimezone(zone).date()).days,
                reason="renewal" if near else "quiet",
                renewal_on=renewal if near else None,
                renewal_deal_id=renewing.get((cid, renewal)) if near else None,
                owner_left=owner_id is None or owner_id in left,
            )
        )
    found.sort(key=lambda q: (q.reason != "renewal", q.renewal_on or date.max, -q.days_quiet))
    return found


def quiet_card(say: Say, *, key: str, items: Sequence[QuietCustomer]) -> Card:
    """The list as a card: each customer's line; "Log a call" and "Snooze 30 days" for the
    first QUIET_BUTTONS; the /handover hint under those whose owner left."""
    shown = list(items[:QUIET_SHOWN])
    said: dict[str, Any] = {"items": shown, "more": len(items) - len(shown)}
    title = say("quiet.title", count=len(items), renewals=sum(q.reason == "renewal" for q in items))
    body = say("quiet.body", snooze_days=SNOOZE_DAYS, **said)
    buttons: list[Button] = []
    for q in shown[:QUIET_BUTTONS]:
        press = QuietButton(customer_id=q.customer_id)
        buttons.append(
            Button(
                id=encode(Act.QUIET_LOG, press),
                label=say("quiet.log_button", name=q.name),
                style="primary",
            )
        )
        buttons.append(
            Button(
                id=encode(Act.QUIET_SNOOZE, press),
                label=say("quiet.snooze_button", name=q.name, days=SNOOZE_DAYS),
            )
        )
    return Card(
        key=key,
        title=title,
        body=body,
        buttons=tuple(buttons),
        fallback=f"{title}\n{body}",
        tone="waiting" if buttons else "info",
    )


def snooze(customer: Customer, now: datetime) -> datetime:
    """Keeps `customer` off the list for SNOOZE_DAYS; returns until when."""
    customer.quiet_snoozed_until = now + timedelta(days=SNOOZE_DAYS)
    return customer.quiet_snoozed_until


def _left_owners(session: Session, tenant_id: int) -> set[int]:
    """The reps who are in no team while the tenant has teams: they have left theirs (/team
    without them). Managers and admins without a team still own their customers."""
    has_teams = exists().where(Team.tenant_id == tenant_id)
    return set(
        session.scalars(
            select(Person.id).where(
                Person.tenant_id == tenant_id,
                Person.team_id.is_(None),
                Person.role == "rep",
                has_teams,
            )
        )
    )


def _reassigned_by(
    session: Session, tenant_id: int, manager_id: int, left: set[int]
) -> set[int | None]:
    """Whose customers `manager_id` is to reassign: each person in `left` whose last team
    `manager_id` leads (or, none known, any of them when `manager_id` is an admin), and None
    (the ownerless customers) for an admin."""
    manager = session.get(Person, manager_id)
    if manager is None:
        return set()
    admin = manager.role == "admin"
    last_team = _last_teams(session, tenant_id, left)
    leads = dict(
        session.execute(select(Team.id, Team.lead_id).where(Team.tenant_id == tenant_id)).all()
    )
    mine: set[int | None] = {None} if admin else set()
    for person in left:
        lead = leads.get(last_team.get(person, -1))
        if lead == manager_id or (lead is None and admin):
            mine.add(person)
    return mine


def _last_teams(session: Session, tenant_id: int, people: set[int]) -> dict[int, int]:
    """The team each of `people` last left, read from the latest /team changes (the audit
    keeps each team's members before and after)."""
    if not people:
        return {}
    changes = session.execute(
        select(AuditEntry.subject, AuditEntry.detail)
        .where(AuditEntry.tenant_id == tenant_id, AuditEntry.action == "team.set")
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(TEAM_CHANGES_READ)
    ).all()
    found: dict[int, int] = {}
    for subject, detail in changes:
        data = json.loads(detail) if isinstance(detail, str) else (detail or {})
        before = set((data.get("before") or {}).get("members") or ())
        after = set((data.get("after") or {}).get("members") or ())
        for person in (before - after) & people:
            found.setdefault(person, int(subject.split(":")[1]))
    return found


def _renewal_deals(session: Session, customer_ids: list[int]) -> dict[tuple[int, date], int]:
    """(customer, renewal day) → the won deal that renews then (the lowest id)."""
    if not customer_ids:
        return {}
    rows = session.execute(
        select(Deal.customer_id, Deal.renewal_on, func.min(Deal.id))
        .where(
            and_(Deal.customer_id.in_(customer_ids), Deal.status == "won"),
            Deal.renewal_on.is_not(None),
        )
        .group_by(Deal.customer_id, Deal.renewal_on)
    ).all()
    return {(c, d): i for c, d, i in rows if d is not None}
