"""Read-only views: pipeline, digest, progress, a customer's history."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot import audit
from bot import digest as digest_mod
from bot import intents as i
from bot.context import Context, UserError
from bot.customers import exact, find
from bot.outcome import Outcome
from bot.people import resolve_mention, seen_person
from bot.periods import bounds
from storage.models import (
    Activity,
    AuditEntry,
    Customer,
    Deal,
    Person,
    Question,
    Requirement,
    RequirementVersion,
    Target,
    Task,
)

PIPELINE_SHOWN = 10  # deals listed per stage; the rest are counted ("…and 3 more")
HISTORY_SHOWN = 20  # touches listed by /customer; the older ones are counted


def pipeline(ctx: Context, intent: i.PipelineView) -> Outcome:
    subject: Person | None = None
    if intent.scope == "mine":
        subject = ctx.me
    elif intent.scope == "person":
        # unknown and out of reach read the same, word for word: "no one by that name that
        # you can see" (bot/people.py seen_person)
        subject = seen_person(ctx, intent.person or "")
    elif (intent.scope, ctx.me.role) in (("all", "rep"), ("all", "manager"), ("team", "rep")):
        raise UserError("not_allowed_view")
    query = (
        select(Deal, Customer, Person)
        .join(Customer, Customer.id == Deal.customer_id)
        .outerjoin(Person, Person.id == Deal.owner_id)
        .where(Deal.tenant_id == ctx.tenant.id, Deal.status == "open")
        .where(ctx.reach.owned(Customer.owner_id))
        .order_by(Deal.amount.desc().nulls_last(), Deal.id)
    )
    if subject is not None:
        query = query.where(Deal.owner_id == subject.id)
    rows = ctx.session.execute(query).all()
    stages = []
    for stage in ctx.settings.pipeline.open_stages:
        deals = [(d, c, p) for d, c, p in rows if d.stage == stage.key]
        totals: dict[str, Decimal] = {}
        for d, _, _ in deals:
            totals[d.currency] = totals.get(d.currency, Decimal(0)) + (d.amount or Decimal(0))
        stages.append(
            {
                "name": stage.name(ctx.locale),
                "deals": deals[:PIPELINE_SHOWN],
                "count": len(deals),
                "more": max(len(deals) - PIPELINE_SHOWN, 0),  # said where the list stops
                "totals": totals,
            }
        )
    text = ctx.t(
        "views.pipeline", stages=stages, scope=intent.scope, subject=subject, total=len(rows)
    )
    return Outcome().reply(text, private=True)


def digest(ctx: Context, intent: i.DigestView) -> Outcome:
    result = digest_mod.build(
        ctx.session,
        tenant_id=ctx.tenant.id,
        reach=ctx.reach,
        now=ctx.now,
        pipeline=ctx.settings.pipeline,
        calendar=ctx.settings.calendar_for(ctx.tenant.timezone),  # the tenant's working days
        tz=ctx.tz,
    )
    return Outcome().reply(ctx.t("views.digest", digest=result), private=True)


def progress(ctx: Context, intent: i.ProgressView) -> Outcome:
    subject = ctx.me
    if intent.person:
        try:
            subject = resolve_mention(ctx, intent.person)
        except UserError:
            raise UserError("not_allowed_view") from None
        if not ctx.reach.person(subject.id):
            raise UserError("not_allowed_view")
    start, end, key = bounds(ctx.now, ZoneInfo(subject.timezone or ctx.tz), intent.period)
    counts: dict[str, int] = {
        kind: n
        for kind, n in ctx.session.execute(
            select(Activity.type, func.count(Activity.id))
            .where(
                Activity.tenant_id == ctx.tenant.id,
                Activity.author_id == subject.id,
                Activity.occurred_at >= start,
                Activity.occurred_at < end,
            )
            .group_by(Activity.type)
        )
    }
    won = ctx.session.scalar(
        select(func.coalesce(func.sum(Deal.amount), 0)).where(
            Deal.tenant_id == ctx.tenant.id,
            Deal.owner_id == subject.id,
            Deal.status == "won",
            Deal.closed_at >= start,
            Deal.closed_at < end,
        )
    )
    target = ctx.session.scalar(
        select(Target).where(Target.person_id == subject.id, Target.period == key)
    )
    text = ctx.t(
        "views.progress",
        person=subject,
        period=key,
        kind=intent.period,
        calls=counts.get("call", 0),
        visits=counts.get("visit", 0),
        meetings=counts.get("meeting", 0),
        touches=sum(counts.values()),
        won=Decimal(won or 0),
        target=target,
        currency=(target.currency if target and target.currency else ctx.tenant.currency),
    )
    return Outcome().reply(text, private=True)


def _handed_away(ctx: Context, name: str) -> bool:
    """The asker once owned this customer, handed it over (the audit log's customer.handover
    entries), and no longer reaches it: told so, without to whom or anything recorded."""
    gone = exact(ctx.session, ctx.tenant.id, name)
    if gone is None or ctx.reach.customer(gone):
        return False
    entries = ctx.session.scalars(
        select(AuditEntry.detail).where(
            AuditEntry.tenant_id == ctx.tenant.id,
            AuditEntry.customer_id == gone.id,
            AuditEntry.action == "customer.handover",
        )
    )
    return any(((d or {}).get("before") or {}).get("owner_id") == ctx.me.id for d in entries)


def customer(ctx: Context, intent: i.CustomerShow) -> Outcome:
    try:
        found, _ = find(ctx, intent.customer, create=False)
    except UserError as e:
        if e.key == "unknown_customer" and _handed_away(ctx, intent.customer.name):
            raise UserError("handed_over_customer", name=intent.customer.name) from None
        raise
    if intent.history:
        changes = audit.customer_history(ctx, found)
        text = ctx.t("views.customer_history", customer=found, changes=changes)
        return Outcome().reply(text, private=True)
    s = ctx.session
    owner = s.get(Person, found.owner_id) if found.owner_id else None
    activities = s.execute(
        select(Activity, Person)
        .outerjoin(Person, Person.id == Activity.author_id)
        .where(Activity.customer_id == found.id)
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(HISTORY_SHOWN)
    ).all()
    older = 0
    if len(activities) == HISTORY_SHOWN:
        touches = s.scalar(select(func.count(Activity.id)).where(Activity.customer_id == found.id))
        older = (touches or 0) - HISTORY_SHOWN
    deals = list(s.scalars(select(Deal).where(Deal.customer_id == found.id).order_by(Deal.id)))
    tasks = list(
        s.scalars(
            select(Task)
            .where(Task.customer_id == found.id, Task.status == "open")
            .order_by(Task.due_at)
        )
    )
    questions = list(
        s.scalars(
            select(Question).where(Question.customer_id == found.id, Question.status == "open")
        )
    )
    reqs, req_words = [], {}
    for req, words in s.execute(  # each with its current words, verbatim
        select(Requirement, RequirementVersion.text)
        .outerjoin(
            RequirementVersion,
            (RequirementVersion.requirement_id == Requirement.id)
            & (RequirementVersion.version == Requirement.current_version),
        )
        .where(Requirement.customer_id == found.id)
        .order_by(Requirement.id)
    ):
        reqs.append(req)
        req_words[req.id] = words
    text = ctx.t(
        "views.customer",
        customer=found,
        owner=owner,
        activities=activities,
        older=older,
        deals=deals,
        tasks=tasks,
        questions=questions,
        reqs=reqs,
        req_words=req_words,
    )
    return Outcome().reply(text, private=True)
