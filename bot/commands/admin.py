"""Set-up and ownership: roles, teams, targets, handovers, channel links, aliases, help."""

from __future__ import annotations

from sqlalchemy import select

from bot import audit
from bot import intents as i
from bot.context import Context, UserError
from bot.customers import find, name_key
from bot.outcome import Outcome
from bot.people import resolve_mention
from storage.models import (
    Activity,
    CustomerAlias,
    CustomerChannel,
    Deal,
    Person,
    Target,
    Task,
    Team,
)


def _admin_only(ctx: Context) -> None:
    if ctx.me.role != "admin":
        raise UserError("admins_only")


def set_role(ctx: Context, intent: i.RoleSet) -> Outcome:
    _admin_only(ctx)
    new: list[Person] = []
    person = resolve_mention(ctx, intent.person, new=new)
    if person.id == ctx.me.id and intent.role != "admin":
        admins = ctx.session.scalars(
            select(Person.id).where(Person.tenant_id == ctx.tenant.id, Person.role == "admin")
        ).all()
        if len(admins) == 1:
            raise UserError("last_admin")
    before, person.role = person.role, intent.role
    audit.record(
        ctx,
        "person.role",
        f"person:{person.id}",
        before={"role": before},
        after={"role": person.role},
    )
    return Outcome().reply(ctx.t("admin.role_set", person=person, role=intent.role, new=new))


def set_team(ctx: Context, intent: i.TeamSet) -> Outcome:
    """`/team east @lead @a @b`: the team is exactly these people, led by the first. Everyone
    it changes gets a line in the reply: who moved here from which team, who left it (a
    member not named again is in no team afterwards), who leads it now instead of whom, and
    who is new to dealbot."""
    _admin_only(ctx)
    s = ctx.session
    new: list[Person] = []
    lead = resolve_mention(ctx, intent.lead, new=new)
    named = {lead.id: lead}
    for token in intent.members:
        person = resolve_mention(ctx, token, new=new)
        named.setdefault(person.id, person)
    members = [p for p in named.values() if p.id != lead.id]
    team = s.scalar(select(Team).where(Team.tenant_id == ctx.tenant.id, Team.name == intent.name))
    created = team is None
    if team is None:
        team = Team(tenant_id=ctx.tenant.id, name=intent.name)
        s.add(team)
        s.flush()
    before = None if created else audit.team_state(s, team)
    old_lead = None
    if team.lead_id is not None and team.lead_id != lead.id:
        old_lead = s.get(Person, team.lead_id)
    left = list(
        s.scalars(
            select(Person)
            .where(Person.team_id == team.id, Person.id.not_in(list(named)))
            .order_by(Person.id)
        )
    )
    moved = [
        (p, s.get_one(Team, p.team_id)) for p in named.values() if p.team_id not in (None, team.id)
    ]
    others = {t.id: (t, audit.team_state(s, t)) for _, t in moved}  # as they were
    promoted = lead.role == "rep"
    if promoted:
        lead.role = "manager"
    team.lead_id = lead.id
    for p in named.values():
        p.team_id = team.id
    for p in left:
        p.team_id = None
    s.flush()
    if promoted:
        audit.record(
            ctx,
            "person.role",
            f"person:{lead.id}",
            before={"role": "rep"},
            after={"role": "manager"},
        )
    audit.record(ctx, "team.set", f"team:{team.id}", before=before, after=audit.team_state(s, team))
    for other, was in others.values():  # the teams people moved out of changed too
        audit.record(
            ctx,
            "team.set",
            f"team:{other.id}",
            before=was,
            after=audit.team_state(s, other),
            moved_to=team.id,
        )
    return Outcome().reply(
        ctx.t(
            "admin.team_set",
            team=team,
            lead=lead,
            members=members,
            created=created,
            promoted=promoted,
            old_lead=old_lead,
            moved=moved,
            left=left,
            new=new,
        )
    )


def set_target(ctx: Context, intent: i.TargetSet) -> Outcome:
    person = resolve_mention(ctx, intent.person)
    if ctx.me.role == "rep" or not ctx.reach.person(person.id):
        raise UserError("managers_only")
    target = ctx.session.scalar(
        select(Target).where(
            Target.tenant_id == ctx.tenant.id,
            Target.person_id == person.id,
            Target.period == intent.period,
        )
    )
    before = audit.target_state(target)
    if target is None:
        target = Target(tenant_id=ctx.tenant.id, person_id=person.id, period=intent.period)
        ctx.session.add(target)
    if intent.calls is not None:
        target.calls = intent.calls
    if intent.visits is not None:
        target.visits = intent.visits
    if intent.won is not None:
        target.won_amount = intent.won.value
        target.currency = intent.won.currency or ctx.tenant.currency
    ctx.session.flush()
    audit.record(
        ctx,
        "target.set",
        f"target:{target.id}",
        before=before,
        after=audit.target_state(target),
        person_id=person.id,
    )
    return Outcome().reply(
        ctx.t(
            "admin.target_set",
            person=person,
            target=target,
            currency=target.currency or ctx.tenant.currency,
        )
    )


def handover(ctx: Context, intent: i.Handover) -> Outcome:
    customer, _ = find(ctx, intent.customer, create=False)
    src, dst = resolve_mention(ctx, intent.from_person), resolve_mention(ctx, intent.to_person)
    allowed = ctx.me.role == "admin" or (
        ctx.me.role == "manager" and ctx.reach.person(src.id) and ctx.reach.person(dst.id)
    )
    if not allowed and ctx.me.id != src.id:
        raise UserError("managers_only")
    if customer.owner_id != src.id:
        raise UserError("not_owner", customer=customer.name, person=src.display_name)
    customer.owner_id = dst.id
    deals = list(
        ctx.session.scalars(
            select(Deal).where(
                Deal.customer_id == customer.id, Deal.status == "open", Deal.owner_id == src.id
            )
        )
    )
    for deal in deals:
        deal.owner_id = dst.id
    tasks = list(
        ctx.session.scalars(
            select(Task).where(
                Task.customer_id == customer.id, Task.status == "open", Task.owner_id == src.id
            )
        )
    )
    for task in tasks:
        task.owner_id = dst.id
    audit.record(
        ctx,
        "customer.handover",
        f"customer:{customer.id}",
        customer_id=customer.id,
        before={"owner_id": src.id},
        after={"owner_id": dst.id},
        deals=[d.id for d in deals],
        tasks=[t.id for t in tasks],
    )
    history = ctx.session.execute(
        select(Activity, Person)
        .outerjoin(Person, Person.id == Activity.author_id)
        .where(Activity.customer_id == customer.id)
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(10)
    ).all()
    params = {"customer": customer, "src": src, "dst": dst, "deals": deals, "tasks": tasks}
    out = Outcome().reply(ctx.t("admin.handed_over", **params))
    if dst.id != ctx.me.id:
        out.push(
            dst.id, ctx.t_for(dst, "admin.handover_summary", history=history, by=ctx.me, **params)
        )
    if src.id != ctx.me.id:
        out.push(src.id, ctx.t_for(src, "admin.handover_notice", by=ctx.me, **params))
    return out


def link(ctx: Context, intent: i.Link) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True)
    channel = (intent.channel or "").removeprefix("#") or ctx.event.channel_id
    row = ctx.session.scalar(
        select(CustomerChannel).where(
            CustomerChannel.tenant_id == ctx.tenant.id,
            CustomerChannel.platform == ctx.event.platform,
            CustomerChannel.channel_id == channel,
        )
    )
    if row is None:
        row = CustomerChannel(
            tenant_id=ctx.tenant.id,
            platform=ctx.event.platform,
            channel_id=channel,
            customer_id=customer.id,
        )
        ctx.session.add(row)
    row.customer_id = customer.id
    return Outcome().reply(
        ctx.t("admin.linked", customer=customer, channel=channel, created=created)
    )


def add_alias(ctx: Context, intent: i.CustomerAliasAdd) -> Outcome:
    customer, _ = find(ctx, intent.customer, create=False)
    key = name_key(intent.alias)
    taken = ctx.session.scalar(
        select(CustomerAlias).where(
            CustomerAlias.tenant_id == ctx.tenant.id, CustomerAlias.alias_key == key
        )
    )
    if taken is not None or key == customer.name_key:
        raise UserError("alias_taken", alias=intent.alias)
    ctx.session.add(
        CustomerAlias(
            tenant_id=ctx.tenant.id, customer_id=customer.id, alias=intent.alias, alias_key=key
        )
    )
    return Outcome().reply(ctx.t("customers.alias_added", customer=customer, alias=intent.alias))


def show_help(ctx: Context, intent: i.Help) -> Outcome:
    return Outcome().reply(ctx.t("help.text", topic=intent.topic), private=True)
