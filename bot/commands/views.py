"""Read-only views: pipeline, digest, progress, a customer's history."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot import audit
from bot import digest as digest_mod
from bot import intents as i
from bot.context import Context, UserError
from bot.customers import find
from bot.outcome import Outcome
from bot.people import resolve_mention
from bot.periods import bounds
from storage.models import (
    Activity,
    Customer,
    Deal,
    Person,
    Question,
    Requirement,
    Target,
    Task,
)


def pipeline(ctx: Context, intent: i.PipelineView) -> Outcome:
    subject: Person | None = None
    if intent.scope == "mine":
        subject = ctx.me
    elif intent.scope == "person":
        try:
            subject = resolve_mention(ctx, intent.person or "")
        except UserError:
            subject = None  # say the same as for someone out of reach: reveal nothing
        if subject is None or not ctx.reach.person(subject.id):
            raise UserError("not_allowed_view")
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
                "deals": deals[:10],
                "count": len(deals),
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


def customer(ctx: Context, intent: i.CustomerShow) -> Outcome:
    found, _ = find(ctx, intent.customer, create=False)
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
        .limit(20)
    ).all()
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
    reqs = list(s.scalars(select(Requirement).where(Requirement.customer_id == found.id)))
    text = ctx.t(
        "views.customer",
        customer=found,
        owner=owner,
        activities=activities,
        deals=deals,
        tasks=tasks,
        questions=questions,
        reqs=reqs,
    )
    return Outcome().reply(text, private=True)
