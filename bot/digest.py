"""What a manager must look at: stale deals, overdue follow-ups, open questions, confirmations.

Shared by `/digest` and the daily push, so both always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot import deadlines
from bot.pipeline import Pipeline
from bot.reach import Reach
from bot.speaker import speaker
from bot.worktime import WorkCalendar
from storage.models import Confirmation, Customer, Deal, Person, Question, Requirement, Task, Tenant

# A digest lists the riskiest stale deals of everyone it covers, at most this many, and counts
# the rest by person: at 1M deals (bench/scale.py) a team lead's morning message listed ~175,
# too many to read, each one loaded and rendered; /pipeline shows every open deal.
STALE_SHOWN = 20


@dataclass(kw_only=True)
class StaleDeal:
    deal: Deal
    customer: Customer
    days_over: int  # working days past what its stage allows; always at least 1
    risk: Decimal


@dataclass(kw_only=True)
class RepDigest:
    person: Person
    stale: list[StaleDeal] = field(default_factory=list)  # those among the STALE_SHOWN
    stale_more: int = 0  # their other stale deals, less at risk: counted, not listed
    stale_risk: Decimal = Decimal(0)  # of all their stale deals, listed or not
    overdue: list[tuple[Task, Customer | None]] = field(default_factory=list)
    questions: list[tuple[Question, Customer]] = field(default_factory=list)


@dataclass(kw_only=True)
class Digest:
    reps: list[RepDigest]
    pending: list[tuple[Requirement, Customer]]
    # by requirement id: who has not answered its current version yet, who asked for a change
    waiting: dict[int, list[Person]] = field(default_factory=dict)
    changes: dict[int, list[Person]] = field(default_factory=dict)
    # the /pipeline scope that shows every deal it covers: mine, team or all
    scope: str = "team"
    # the process's sections follow (bot/digest_process.py): "nothing needs attention" is
    # then not said, only that none of the above is waiting
    more_below: bool = False

    @property
    def empty(self) -> bool:
        return not self.pending and not any(
            r.stale or r.stale_more or r.overdue or r.questions for r in self.reps
        )

    @property
    def stale_more(self) -> int:
        return sum(r.stale_more for r in self.reps)


def build(
    session: Session,
    *,
    tenant_id: int,
    reach: Reach,
    now: datetime,
    pipeline: Pipeline,
    calendar: WorkCalendar | None = None,
    tz: str | None = None,
    question_after_wh: float | None = None,
) -> Digest:
    """Everything due on the customers within `reach`, and the tasks and questions of the
    person it belongs to (bot/reach.py).

    A deal is stale when more working days of `calendar` (default: weekends off) have passed
    since its last touch than its stage allows, counted in days of `tz` (default: the
    tenant's zone): touched on a Monday, a 2-day stage is stale on Thursday, 1 day over.

    A task is overdue as bot/deadlines.py says (a whole day only after its working hours).
    With `question_after_wh` (the manager's daily push), someone else's open question shows
    only once its owner's own alert, that many working hours after it was asked, is due.
    """
    # the tenant named on customers too, so (tenant_id, owner_id) finds a team's customers
    seen = and_(Customer.tenant_id == tenant_id, reach.customers_sql())

    reps: dict[int, RepDigest] = {}
    # one statement for the people a team's lines name, not one each (an admin's are many)
    people = (
        {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(reach.people)))}
        if reach.people
        else {}
    )

    def rep(pid: int | None) -> RepDigest | None:
        if pid is None:
            return None
        if pid not in reps:
            person = people.get(pid) or session.get_one(Person, pid)
            reps[pid] = RepDigest(person=person)
        return reps[pid]

    cal = calendar or WorkCalendar()
    zone = ZoneInfo(tz or session.get_one(Tenant, tenant_id).timezone)
    today = now.astimezone(zone).date()

    def midnight(days_ago: int) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(0), zone)

    # More than N working days since the touch needs more than N calendar days: touched
    # before the midnight N days ago. That range narrows the rows; the calendar decides.
    stale_rules = [
        and_(Deal.stage == s.key, Deal.last_touch_at < midnight(s.stale_after_days))
        for s in pipeline.open_stages
        if s.stale_after_days is not None
    ]
    shortest = min(
        (s.stale_after_days for s in pipeline.open_stages if s.stale_after_days), default=0
    )
    # the candidates as bare columns: a team has a couple of hundred, a tenant's admin tens
    # of thousands, and only the STALE_SHOWN riskiest become rows and lines
    rows = session.execute(
        select(Deal.id, Deal.owner_id, Deal.stage, Deal.amount, Deal.last_touch_at)
        .join(Customer, Customer.id == Deal.customer_id)
        .where(Deal.tenant_id == tenant_id, Deal.status == "open", seen)
        # a plain range first, so the (tenant, status, last_touch_at) index does the work
        .where(Deal.last_touch_at < midnight(shortest))
        .where(or_(*stale_rules))
    ).all()
    idle = _working_days_since(cal, today, {t.astimezone(zone).date() for *_, t in rows})
    stale: list[tuple[Decimal, int, int, RepDigest]] = []  # risk, days over, deal id, rep
    for deal_id, owner_id, stage, amount, touched in rows:
        allowed = pipeline.get(stage).stale_after_days or 0
        days_over = idle[touched.astimezone(zone).date()] - allowed
        if days_over < 1:
            continue  # not past what the stage allows (yet): not stale
        if (r := rep(owner_id)) is None:
            continue
        risk = (amount or Decimal(0)) * days_over
        r.stale_risk += risk
        r.stale_more += 1
        stale.append((risk, days_over, deal_id, r))
    stale.sort(key=lambda s: (s[0], s[1], -s[2]), reverse=True)  # riskiest, then oldest id
    shown = stale[:STALE_SHOWN]
    loaded = {
        deal.id: (deal, customer)
        for deal, customer in session.execute(
            select(Deal, Customer)
            .join(Customer, Customer.id == Deal.customer_id)
            .where(Deal.id.in_([deal_id for _, _, deal_id, _ in shown]))
        )
    }
    for risk, days_over, deal_id, r in shown:
        deal, customer = loaded[deal_id]
        r.stale.append(StaleDeal(deal=deal, customer=customer, days_over=days_over, risk=risk))
        r.stale_more -= 1
    tenant = session.get_one(Tenant, tenant_id)

    def owner_zone(pid: int) -> str:
        return speaker(session.get_one(Person, pid), tenant).zone

    for task, tcustomer in _overdue_tasks(session, tenant_id, reach, now):
        if not deadlines.is_overdue(task, now, cal, owner_zone(task.owner_id)):
            continue  # a whole day is not overdue before its working hours are over
        if (r := rep(task.owner_id)) is not None:
            r.overdue.append((task, tcustomer))
    for question, qcustomer in _open_questions(session, tenant_id, reach):
        if (
            question_after_wh is not None
            and question.owner_id not in (None, reach.person_id)
            and now
            < cal.add_working_hours(
                question.asked_at, question_after_wh, owner_zone(question.owner_id)
            )
        ):
            continue  # the owner's own alert comes first (bot/jobs/alerts.py)
        if (r := rep(question.owner_id)) is not None:
            r.questions.append((question, qcustomer))
    pending = [
        (req, customer)
        for req, customer in session.execute(
            select(Requirement, Customer)
            .join(Customer, Customer.id == Requirement.customer_id)
            .where(Requirement.tenant_id == tenant_id, Requirement.status != "confirmed")
            .where(seen)
            .order_by(Requirement.created_at)
        )
    ]
    waiting, changes = _confirmers(session, [req for req, _ in pending])
    ordered = sorted(reps.values(), key=lambda r: (r.stale_risk, len(r.overdue)), reverse=True)
    scope = (
        "all" if reach.people is None else "mine" if reach.people <= {reach.person_id} else "team"
    )
    return Digest(reps=ordered, pending=pending, waiting=waiting, changes=changes, scope=scope)


def _overdue_tasks(
    session: Session, tenant_id: int, reach: Reach, now: datetime
) -> list[tuple[Task, Customer | None]]:
    """The open tasks past their due time on the customers within reach, and the reach's own
    person's: two indexed queries (by customer, by owner), not one OR that scans them all."""
    due = (Task.tenant_id == tenant_id, Task.status == "open", Task.due_at < now)
    reached = session.execute(
        select(Task, Customer)
        .join(Customer, Customer.id == Task.customer_id)
        .where(*due, Customer.tenant_id == tenant_id, reach.customers_sql())
    ).all()
    own = session.execute(
        select(Task, Customer)
        .outerjoin(Customer, Customer.id == Task.customer_id)
        .where(*due, Task.owner_id == reach.person_id)
    ).all()
    rows = {task.id: (task, customer) for task, customer in [*reached, *own]}
    # every overdue task is past its due_at; bot/deadlines.py decides the rest
    return sorted(rows.values(), key=lambda r: (r[0].due_at, r[0].id))


def _open_questions(
    session: Session, tenant_id: int, reach: Reach
) -> list[tuple[Question, Customer]]:
    """The open questions on the customers within reach and those of the reach's person."""
    asked = (
        select(Question, Customer)
        .join(Customer, Customer.id == Question.customer_id)
        .where(Question.tenant_id == tenant_id, Question.status == "open")
    )
    reached = session.execute(
        asked.where(Customer.tenant_id == tenant_id, reach.customers_sql())
    ).all()
    own = session.execute(asked.where(Question.owner_id == reach.person_id)).all()
    rows = {q.id: (q, customer) for q, customer in [*reached, *own]}
    return sorted(rows.values(), key=lambda r: (r[0].asked_at, r[0].id))


def _confirmers(
    session: Session, reqs: list[Requirement]
) -> tuple[dict[int, list[Person]], dict[int, list[Person]]]:
    """By requirement: the confirmers who have not answered its current version, and those
    who asked for a change (one query for all their answers)."""
    answers: dict[tuple[int, int], str] = {}
    if reqs:
        for c in session.scalars(
            select(Confirmation)
            .join(Requirement, Requirement.id == Confirmation.requirement_id)
            .where(
                Confirmation.requirement_id.in_([r.id for r in reqs]),
                Confirmation.version == Requirement.current_version,
            )
        ):
            answers[c.requirement_id, c.person_id] = c.decision
    waiting: dict[int, list[Person]] = {}
    changes: dict[int, list[Person]] = {}
    for req in reqs:
        for pid in req.confirmer_ids:
            person = session.get(Person, int(pid))
            if person is None:
                continue
            answer = answers.get((req.id, person.id))
            if answer == "change":
                changes.setdefault(req.id, []).append(person)
            elif answer != "confirm":
                waiting.setdefault(req.id, []).append(person)
    return waiting, changes


def _working_days_since(cal: WorkCalendar, today: date, days: set[date]) -> dict[date, int]:
    """For each of `days`: the working days after it, up to and including `today`.

    One walk back from today over the calendar, however many deals share a date."""
    out: dict[date, int] = {}
    count, day = 0, today
    for last in sorted(days, reverse=True):
        while day > last:
            count += cal.is_working_day(day)
            day -= timedelta(days=1)
        out[last] = count
    return out
