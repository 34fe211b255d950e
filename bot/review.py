"""The weekly review (周报 / 复盘) of a team or of one rep: what a week did against its goals.

`gather` reads a week's numbers for a set of people, each part in one or two indexed
queries: their touches and wins against goals (bot/goals.py, the one count of them), how
deals flowed through the stages and how that week compares with the eight before it
(bot/stage_flow.py, which defines conversion and days in stage), the deals won and lost with
their reasons, the new ones, the approvals decided (bot/approvals.py), the receivables that
fell due in the week (bot/payments.py) — and, as they stand now, overdue follow-ups, late
milestones, stuck deals and overdue receivables (bot/digest_process.py, the digest's own).
/review (bot/commands/review_view.py) and the Monday push (bot/jobs/review.py) both word it
with `words` and draw its pictures with `charts`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import digest_process, funnel_chart, payments, targets_chart
from bot.approvals import DecisionTimes, decision_times
from bot.goals import TeamProgress, reps_of, team_progress
from bot.outcome import Attachment
from bot.periods import bounds
from bot.quiet import QuietCustomer, quiet_customers
from bot.reach import Reach
from bot.settings import Settings
from bot.stage_board import board
from bot.stage_flow import StageFlow, flow
from bot.worktime import WorkCalendar
from storage.models import Customer, Deal, Person, Task, Team, Tenant

CLOSED_SHOWN = 10  # won and lost deals listed each; the rest are counted
QUIET_SHOWN = 10  # quiet customers listed (the owners get their whole list on Mondays)

Say = Callable[..., str]


@dataclass(frozen=True, kw_only=True)
class Closed:
    deal: Deal
    customer: Customer
    owner: Person | None


@dataclass(kw_only=True)
class Review:
    period: str  # the week's key, 2026-W50
    start: datetime  # its local midnights, Monday to Monday
    end: datetime
    scope: str  # team | rep
    name: str  # the team's names, or the rep's
    goals: list[TeamProgress]  # one per team (a rep's: theirs alone)
    goal_period: str  # the week when goals are set for it, else its month (to the week's end)
    stages: list[StageFlow]
    won: list[Closed]
    lost: list[Closed]
    won_count: int
    lost_count: int
    won_sums: dict[str, Decimal]
    new_count: int
    new_sums: dict[str, Decimal]
    approvals: DecisionTimes | None
    due: dict[str, Decimal]  # receivables planned to fall due in the week, per currency
    overdue_tasks: int  # now
    process: digest_process.ProcessLines  # now: late milestones, stuck deals, receivables
    quiet: list[QuietCustomer]  # now: customers going quiet, renewals coming (bot/quiet.py)

    @property
    def empty(self) -> bool:
        """Nothing happened in the week and nothing waits now: no message is sent."""
        return not (
            any(p.total.actual.get("touches") for p in self.goals)
            or any(s.week.left for s in self.stages)
            or self.won_count
            or self.lost_count
            or self.new_count
            or self.approvals
            or self.due
            or self.overdue_tasks
            or self.process
            or self.quiet
        )

    @property
    def has_goals(self) -> bool:
        return any(g is not None for p in self.goals for g in p.total.goal.values())

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()


@dataclass(frozen=True, kw_only=True)
class Scope:
    """Whose week: `people` (their ids count), `reps` (the rows of the goals, when no team)
    and `teams` (each with its goal and its reps)."""

    people: frozenset[int]
    teams: tuple[Team, ...] = ()
    rep: Person | None = None


def week_of(now: datetime, tz: str, kind: str) -> tuple[datetime, datetime, str]:
    """The week `kind` names (`last_week`, `week`, `2026-W50`) around `now` in `tz`."""
    return bounds(now, ZoneInfo(tz), kind)


def gather(
    session: Session,
    *,
    tenant: Tenant,
    scope: Scope,
    reach: Reach,
    settings: Settings,
    calendar: WorkCalendar,
    tz: str,
    kind: str,
    now: datetime,
) -> Review:
    start, end, key = week_of(now, tz, kind)
    ids = sorted(scope.people)
    goals, goal_period = _goals(session, tenant, scope, settings, calendar, tz, key, end, now)
    won, won_count, won_sums = _closed(session, tenant.id, ids, "won", start, end)
    lost, lost_count, _ = _closed(session, tenant.id, ids, "lost", start, end)
    new_count, new_sums = _new(session, tenant.id, ids, start, end)
    due: dict[str, Decimal] = {}
    for person_id in ids:
        for currency, amount in payments.planned(
            session, tenant.id, person_id, start.date(), end.date()
        ).items():
            due[currency] = due.get(currency, Decimal(0)) + amount
    names = [t.name for t in scope.teams] or [scope.rep.display_name if scope.rep else ""]
    return Review(
        period=key,
        start=start,
        end=end,
        scope="rep" if scope.rep else "team",
        name=", ".join(names),
        goals=goals,
        goal_period=goal_period,
        stages=flow(
            session,
            tenant_id=tenant.id,
            people=scope.people,
            pipeline=settings.pipeline,
            start=start,
            end=end,
        ),
        won=won,
        lost=lost,
        won_count=won_count,
        lost_count=lost_count,
        won_sums=won_sums,
        new_count=new_count,
        new_sums=new_sums,
        approvals=decision_times(session, tenant.id, ids, start, end),
        due=due,
        overdue_tasks=session.scalar(
            select(func.count(Task.id)).where(
                Task.tenant_id == tenant.id,
                Task.owner_id.in_(ids),
                Task.status == "open",
                Task.due_at < now,
            )
        )
        or 0,
        process=digest_process.gather(
            session,
            tenant=tenant,
            reach=reach,
            now=now,
            pipeline=settings.pipeline,
            calendar=calendar,
            tz=tz,
        ),
        quiet=quiet_customers(
            session,
            tenant_id=tenant.id,
            owner_ids=scope.people,
            now=now,
            tz=tz,
            quiet_days=settings.quiet.days,
            renewal_within_days=settings.quiet.renewal_within_days,
        )[:QUIET_SHOWN],
    )


def _goals(  # type: ignore[no-untyped-def]
    session: Session, tenant: Tenant, scope: Scope, settings: Settings, calendar, tz, key, end, now
) -> tuple[list[TeamProgress], str]:
    """The week's progress when a goal is set for the week, else its month's up to the
    week's end (a team's goal is usually the month's)."""
    until = min(now, end)
    month = (end - timedelta(days=1)).strftime("%Y-%m")
    found: list[TeamProgress] = []
    for period in (key, month):
        found = []
        for team in scope.teams or (None,):
            members = reps_of(session, team, period) if team else [scope.rep]
            found.append(
                team_progress(
                    session,
                    tenant_id=tenant.id,
                    members=[m for m in members if m is not None],
                    period=period,
                    tz=tz,
                    now=now,
                    until=until,
                    calendar=calendar,
                    currency=tenant.currency,
                    rates=settings.rates,
                    home=settings.rates.base or tenant.currency,
                    team=team,
                )
            )
        if any(g is not None for p in found for g in p.total.goal.values()):
            return found, period
    return found, key


def _closed(
    session: Session, tenant_id: int, ids: list[int], status: str, start: datetime, end: datetime
) -> tuple[list[Closed], int, dict[str, Decimal]]:
    """The first CLOSED_SHOWN deals won (or lost) in the week, how many in all, and their
    sums per currency (ix_deals_owner)."""
    where = (
        Deal.tenant_id == tenant_id,
        Deal.owner_id.in_(ids),
        Deal.status == status,
        Deal.closed_at >= start,
        Deal.closed_at < end,
    )
    rows = session.execute(
        select(Deal, Customer, Person)
        .join(Customer, Customer.id == Deal.customer_id)
        .outerjoin(Person, Person.id == Deal.owner_id)
        .where(*where)
        .order_by(Deal.closed_at, Deal.id)
        .limit(CLOSED_SHOWN)
    ).all()
    sums = {
        c: Decimal(a or 0)
        for c, a in session.execute(
            select(Deal.currency, func.sum(Deal.amount)).where(*where).group_by(Deal.currency)
        )
    }
    count = session.scalar(select(func.count(Deal.id)).where(*where)) or 0
    return [Closed(deal=d, customer=c, owner=p) for d, c, p in rows], count, sums


def _new(
    session: Session, tenant_id: int, ids: list[int], start: datetime, end: datetime
) -> tuple[int, dict[str, Decimal]]:
    rows = session.execute(
        select(Deal.currency, func.count(Deal.id), func.sum(Deal.amount))
        .where(
            Deal.tenant_id == tenant_id,
            Deal.owner_id.in_(ids),
            Deal.created_at >= start,
            Deal.created_at < end,
        )
        .group_by(Deal.currency)
    ).all()
    return sum(n for _, n, _ in rows), {c: Decimal(a) for c, _, a in rows if a is not None}


# --- the pictures ------------------------------------------------------------------------------


def attachments(
    session: Session,
    review: Review,
    *,
    tenant: Tenant,
    reach: Reach,
    settings: Settings,
    say: Say,
    locale: str,
) -> list[Attachment]:
    """The funnel of the open deals now (as /pipeline team draws it) and the goals against
    the actuals the text gave (as /progress draws them); each only when it has something."""
    found = []
    stages = settings.pipeline.open_stages
    owned = board(
        session,
        tenant_id=tenant.id,
        stages=[stage.key for stage in stages],
        reach=reach.customers_sql(),
        owner_id=review.goals[0].reps[0].person.id
        if review.scope == "rep" and review.goals and review.goals[0].reps
        else None,
        home=tenant.currency,
        shown=0,
    )
    funnel = funnel_chart.funnel(
        owned,
        stages,
        say=say,
        locale=locale,
        home=tenant.currency,
        rates=settings.rates,
        scope=review.scope,
        name=review.name,
    )
    if funnel is not None:
        found.append(funnel_chart.attachment(funnel))
    reps = [
        targets_chart.RepNumbers(
            name=r.person.display_name,
            actual=r.actual,
            goal={m: r.goal.get(m) for m in targets_chart.METRICS},
        )
        for progress in review.goals
        for r in progress.reps
    ]
    if reps:
        picture = targets_chart.targets(
            reps,
            say=say,
            locale=locale,
            period=review.goal_period,
            currency=tenant.currency,
            title_name=review.name,
        )
        if picture is not None:
            found.append(targets_chart.attachment(picture))
    return found


def who(session: Session, viewer: Person, tenant: Tenant) -> Scope:
    """A viewer's own review: the teams they lead (every team, for an admin leading none),
    else their own part."""
    teams = list(session.scalars(select(Team).where(Team.lead_id == viewer.id).order_by(Team.name)))
    if not teams and viewer.role == "admin":
        teams = list(
            session.scalars(select(Team).where(Team.tenant_id == tenant.id).order_by(Team.name))
        )
    if not teams:
        return Scope(people=frozenset({viewer.id}), rep=viewer)
    return team_scope(session, teams)


def team_scope(session: Session, teams: Sequence[Team]) -> Scope:
    ids = {t.lead_id for t in teams if t.lead_id} | set(
        session.scalars(select(Person.id).where(Person.team_id.in_([t.id for t in teams])))
    )
    return Scope(people=frozenset(ids), teams=tuple(teams))
