"""Tenants, people and their platform identities; who may see and change what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.context import Context, UserError
from bot.events import Event
from bot.settings import Settings
from storage.models import Customer, Identity, Person, Team, Tenant, Workspace


def tenant_for(session: Session, event: Event, settings: Settings) -> Tenant:
    ws = session.scalar(
        select(Workspace).where(
            Workspace.platform == event.platform, Workspace.external_id == event.workspace_id
        )
    )
    if ws is not None:
        return session.get_one(Tenant, ws.tenant_id)
    tenant = Tenant(
        name=f"{event.platform}:{event.workspace_id}",
        locale=settings.locale,
        timezone=settings.timezone,
        currency=settings.default_currency,
        created_at=event.occurred_at,
    )
    session.add(tenant)
    session.flush()
    session.add(
        Workspace(tenant_id=tenant.id, platform=event.platform, external_id=event.workspace_id)
    )
    return tenant


def person_for(
    session: Session,
    tenant: Tenant,
    *,
    platform: str,
    user_id: str,
    name: str,
    now: datetime,
    timezone: str | None = None,
    locale: str | None = None,
) -> Person:
    """The person behind a platform identity; created on first sight (the first one is admin)."""
    ident = session.scalar(
        select(Identity).where(
            Identity.tenant_id == tenant.id,
            Identity.platform == platform,
            Identity.external_id == user_id,
        )
    )
    if ident is not None:
        return session.get_one(Person, ident.person_id)
    first = not session.scalar(select(func.count(Person.id)).where(Person.tenant_id == tenant.id))
    person = Person(
        tenant_id=tenant.id,
        display_name=name,
        role="admin" if first else "rep",
        timezone=timezone,
        locale=locale,
        created_at=now,
    )
    session.add(person)
    session.flush()
    session.add(
        Identity(
            tenant_id=tenant.id,
            person_id=person.id,
            platform=platform,
            external_id=user_id,
            handle=name,
        )
    )
    session.flush()
    return person


def resolve_mention(ctx: Context, token: str) -> Person:
    """`@bob` → a person: by the platform's mention, else by a known handle or name."""
    for m in ctx.event.mentions:
        if m.token == token:
            return person_for(
                ctx.session,
                ctx.tenant,
                platform=ctx.event.platform,
                user_id=m.user_id,
                name=m.name,
                now=ctx.now,
            )
    handle = token.lstrip("@").casefold()
    found = (
        ctx.session.scalars(
            select(Person)
            .join(Identity, Identity.person_id == Person.id)
            .where(
                Person.tenant_id == ctx.tenant.id,
                (func.lower(Identity.handle) == handle)
                | (func.lower(Person.display_name) == handle),
            )
        )
        .unique()
        .all()
    )
    if len(found) == 1:
        return found[0]
    raise UserError("unknown_person", name=token)


def reachable_ids(ctx: Context, person: Person | None = None) -> set[int] | None:
    """Whose deals `person` (default: the speaker) may see and change; None means everyone."""
    person = person or ctx.me
    if person.role == "admin":
        return None
    ids = {person.id}
    if person.role == "manager":
        led = select(Team.id).where(Team.tenant_id == ctx.tenant.id, Team.lead_id == person.id)
        ids |= set(ctx.session.scalars(select(Person.id).where(Person.team_id.in_(led))))
    return ids


def can_reach(ctx: Context, person_id: int | None) -> bool:
    ids = reachable_ids(ctx)
    return ids is None or person_id is None or person_id in ids


def require_change(ctx: Context, customer: Customer) -> None:
    if not can_reach(ctx, customer.owner_id):
        owner = ctx.session.get(Person, customer.owner_id) if customer.owner_id else None
        raise UserError(
            "not_your_customer", customer=customer.name, owner=owner.display_name if owner else ""
        )


def manager_of(session: Session, person: Person) -> Person | None:
    if person.team_id is None:
        return None
    team = session.get(Team, person.team_id)
    if team is None or team.lead_id is None or team.lead_id == person.id:
        return None
    return session.get(Person, team.lead_id)


@dataclass(frozen=True, kw_only=True)
class Address:
    """How to reach a person: the platform and its user id, kept with each outbox row."""

    person_id: int | None
    platform: str
    user_id: str
    name: str


def reach(session: Session, person_id: int, prefer: str | None = None) -> Address:
    """The one rule for where a person is reached: on `prefer` (the platform they are talking
    on) if they have an identity there, else the first platform they were seen on."""
    person = session.get_one(Person, person_id)
    idents = list(
        session.scalars(
            select(Identity).where(Identity.person_id == person_id).order_by(Identity.id)
        )
    )
    ident = next((x for x in idents if x.platform == prefer), idents[0] if idents else None)
    if ident is None:
        return Address(person_id=person_id, platform="none", user_id="", name=person.display_name)
    return Address(
        person_id=person_id,
        platform=ident.platform,
        user_id=ident.external_id,
        name=ident.handle or person.display_name,
    )
