"""Goals against actuals for a set of reps in a period: the one way the numbers are counted,
for /progress, /progress team, the morning digest's goal line and anything else that sets
work against goals (the weekly review, the forecast).

    team_progress(session, *, tenant_id, members, period, tz, now, calendar, currency,
                  rates, home, team=None, until=None) -> TeamProgress

- `members`: the people counted, in the order they are shown (`reps_of(session, team,
  period)` gives a team's: its members but the lead, and the lead too when they carry a goal).
- `period`: a key (`2027-01`, `2027-W02`, `2027-Q1`, bot/periods.py), its bounds local
  midnights in `tz`, `now` placing the relative words (`month`). Actuals count from its start
  to its end, or to `until` when that is sooner (the digest passes this morning's midnight:
  the days so far).
- `currency`: the money goals' currency; wins and collections in another one count at the
  configured `rates` when every such currency has one, else not at all (as /progress says).
- `team`: its goal (`TeamGoal`) is the total's goal, metric by metric; a metric the team set
  none for has the sum of the reps' goals (None when no rep has one either).

A `TeamProgress` has per rep (`reps`) and for the team (`total`) `actual[m]` and `goal[m]` for
each metric of METRICS (`actual["touches"]` too: every logged touch), `gap(m)` (what is left
to reach the goal, never below 0) and `pace(m)` (that gap per working day left, rounded up: a
count to whole ones, money to the cent; None when no working day is left or no goal is set).
`working_days` and `days_left` count the tenant's working days (bot/worktime.py) in the
period and from today (today counted) to its end.

`goal_for(session, tenant_id, person_id, period)` is one rep's `Target` row, or None.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.money import Rates, convert, sums
from bot.periods import bounds
from bot.worktime import WorkCalendar
from storage.models import Activity, Deal, Person, Target, Team, TeamGoal
from storage.process import Payment

COUNTS = ("calls", "visits", "meetings", "new_deals")
MONEY = ("won", "collected")
METRICS = COUNTS + MONEY
# a goal's column, by metric
COLUMNS = {m: m for m in COUNTS} | {"won": "won_amount", "collected": "collected"}
_TOUCH_TYPES = {"call": "calls", "visit": "visits", "meeting": "meetings"}


@dataclass(frozen=True, kw_only=True)
class Numbers:
    actual: dict[str, Decimal]
    goal: dict[str, Decimal | None]
    days_left: int

    def gap(self, metric: str) -> Decimal | None:
        goal = self.goal.get(metric)
        if goal is None:
            return None
        return max(goal - self.actual.get(metric, Decimal(0)), Decimal(0))

    def pace(self, metric: str) -> Decimal | None:
        gap = self.gap(metric)
        if gap is None or self.days_left <= 0:
            return None
        if metric in MONEY:
            return (gap / self.days_left).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
        return Decimal(math.ceil(gap / self.days_left))


@dataclass(frozen=True, kw_only=True)
class RepProgress(Numbers):
    person: Person
    target: Target | None
    won_sums: dict[str, Decimal] = field(default_factory=dict)  # per currency, as recorded
    collected_sums: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class TeamProgress:
    period: str
    start: datetime
    end: datetime
    currency: str
    working_days: int
    days_left: int
    reps: tuple[RepProgress, ...]
    total: Numbers
    team_goal: TeamGoal | None


def goal_for(session: Session, tenant_id: int, person_id: int, period: str) -> Target | None:
    return session.scalar(
        select(Target).where(
            Target.tenant_id == tenant_id, Target.person_id == person_id, Target.period == period
        )
    )


def team_goal(session: Session, tenant_id: int, team_id: int, period: str) -> TeamGoal | None:
    return session.scalar(
        select(TeamGoal).where(
            TeamGoal.tenant_id == tenant_id, TeamGoal.team_id == team_id, TeamGoal.period == period
        )
    )


def reps_of(session: Session, team: Team, period: str) -> list[Person]:
    """Who carries a team's goal: its members but the lead (who leads, not sells), and the
    lead too when they have a target of their own in `period`; by name."""
    people = session.scalars(
        select(Person).where(Person.team_id == team.id).order_by(Person.display_name, Person.id)
    )
    return [
        p
        for p in people
        if p.id != team.lead_id or goal_for(session, team.tenant_id, p.id, period) is not None
    ]


def team_progress(
    session: Session,
    *,
    tenant_id: int,
    members: Sequence[Person],
    period: str,
    tz: str,
    now: datetime,
    calendar: WorkCalendar,
    currency: str,
    rates: Rates,
    home: str,
    team: Team | None = None,
    until: datetime | None = None,
) -> TeamProgress:
    start, end, key = bounds(now, ZoneInfo(tz), period)
    until = end if until is None else max(start, min(end, until))
    ids = [p.id for p in members]
    counts = _counts(session, tenant_id, ids, start, until)
    won = _money(session, _won(tenant_id, ids, start, until))
    collected = _money(session, _collected(tenant_id, ids, start, until))
    targets = {
        t.person_id: t
        for t in session.scalars(
            select(Target).where(
                Target.tenant_id == tenant_id, Target.person_id.in_(ids), Target.period == key
            )
        )
    }
    working, left = _working_days(calendar, start, end, now.astimezone(ZoneInfo(tz)))
    reps = []
    for person in members:
        target = targets.get(person.id)
        won_sums = sums(won.get(person.id, {}).items(), currency)
        collected_sums = sums(collected.get(person.id, {}).items(), currency)
        actual = dict(counts.get(person.id, {}))
        actual["won"] = _in(won_sums, currency, rates, home)
        actual["collected"] = _in(collected_sums, currency, rates, home)
        reps.append(
            RepProgress(
                person=person,
                target=target,
                actual={m: actual.get(m, Decimal(0)) for m in (*METRICS, "touches")},
                goal={m: _goal(target, m) for m in METRICS},
                days_left=left,
                won_sums=won_sums,
                collected_sums=collected_sums,
            )
        )
    goal = team_goal(session, tenant_id, team.id, key) if team is not None else None
    total = Numbers(
        actual={m: sum((r.actual[m] for r in reps), Decimal(0)) for m in (*METRICS, "touches")},
        goal={m: _goal(goal, m) or _sum_goals(reps, m) for m in METRICS},
        days_left=left,
    )
    return TeamProgress(
        period=key,
        start=start,
        end=end,
        currency=currency,
        working_days=working,
        days_left=left,
        reps=tuple(reps),
        total=total,
        team_goal=goal,
    )


def _goal(row: Target | TeamGoal | None, metric: str) -> Decimal | None:
    value = getattr(row, COLUMNS[metric], None) if row is not None else None
    return None if value is None else Decimal(value)


def _sum_goals(reps: Sequence[RepProgress], metric: str) -> Decimal | None:
    goals = [r.goal[metric] for r in reps if r.goal[metric] is not None]
    return sum(goals, Decimal(0)) if goals else None  # type: ignore[arg-type]


def _in(totals: dict[str, Decimal], currency: str, rates: Rates, home: str) -> Decimal:
    """What counts toward a goal in `currency`: all of it when every currency converts."""
    converted = convert(totals, currency, rates, home)
    return converted.total if converted else totals.get(currency, Decimal(0))


def _working_days(
    calendar: WorkCalendar, start: datetime, end: datetime, local_now: datetime
) -> tuple[int, int]:
    """Working days in [start, end), and those from today (counted) to the end."""
    working = left = 0
    day, today = start.date(), local_now.date()
    while day < end.date():
        if calendar.is_working_day(day):
            working += 1
            left += day >= today
        day += timedelta(days=1)
    return working, left


def _counts(
    session: Session, tenant_id: int, ids: list[int], start: datetime, until: datetime
) -> dict[int, dict[str, Decimal]]:
    """Per author: touches by kind and in all, and deals opened, in one query each."""
    out: dict[int, dict[str, Decimal]] = {i: {} for i in ids}
    touches = session.execute(
        select(Activity.author_id, Activity.type, func.count(Activity.id))
        .where(
            Activity.tenant_id == tenant_id,
            Activity.author_id.in_(ids),
            Activity.occurred_at >= start,
            Activity.occurred_at < until,
        )
        .group_by(Activity.author_id, Activity.type)
    )
    for author, kind, n in touches:
        mine = out[author]
        mine["touches"] = mine.get("touches", Decimal(0)) + n
        if kind in _TOUCH_TYPES:
            mine[_TOUCH_TYPES[kind]] = Decimal(n)
    opened = session.execute(
        select(Deal.owner_id, func.count(Deal.id))
        .where(
            Deal.tenant_id == tenant_id,
            Deal.owner_id.in_(ids),
            Deal.created_at >= start,
            Deal.created_at < until,
        )
        .group_by(Deal.owner_id)
    )
    for owner, n in opened:
        out[owner]["new_deals"] = Decimal(n)
    return out


def _won(tenant_id: int, ids: list[int], start: datetime, until: datetime):  # type: ignore[no-untyped-def]
    return (
        select(Deal.owner_id, Deal.currency, func.sum(Deal.amount))
        .where(
            Deal.tenant_id == tenant_id,
            Deal.owner_id.in_(ids),
            Deal.status == "won",
            Deal.closed_at >= start,
            Deal.closed_at < until,
        )
        .group_by(Deal.owner_id, Deal.currency)
    )


def _collected(tenant_id: int, ids: list[int], start: datetime, until: datetime):  # type: ignore[no-untyped-def]
    """Money received on the deals each rep owns (bot/payments.py `collected`)."""
    return (
        select(Deal.owner_id, Payment.currency, func.sum(Payment.amount))
        .join(Deal, Deal.id == Payment.deal_id)
        .where(
            Payment.tenant_id == tenant_id,
            Deal.owner_id.in_(ids),
            Payment.received_at >= start,
            Payment.received_at < until,
        )
        .group_by(Deal.owner_id, Payment.currency)
    )


def _money(session: Session, query) -> dict[int, dict[str, Decimal]]:  # type: ignore[no-untyped-def]
    out: dict[int, dict[str, Decimal]] = {}
    for owner, currency, amount in session.execute(query):
        mine = out.setdefault(owner, {})
        mine[currency] = mine.get(currency, Decimal(0)) + Decimal(amount or 0)
    return out
