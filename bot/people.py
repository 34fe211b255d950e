"""Tenants, people and their platform identities; who may see and change what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.context import Context, UserError
from bot.events import Event
from bot.settings import Settings
from storage.models import Identity, Person, Team, Tenant, Workspace


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
    count = select(func.count(Person.id)).where(Person.tenant_id == tenant.id)
    first = not session.scalar(count)
    if first:
        # Several first people may arrive at once: they take turns on the tenant's row, and
        # each counts again after its turn came. On PostgreSQL (READ COMMITTED) the second
        # count is a new statement with a new snapshot, so it sees the person committed by
        # whoever held the lock before; on SQLite BEGIN IMMEDIATE already serialises writers
        # and FOR UPDATE is not rendered. Only a tenant with nobody in it takes the lock (a
        # count above zero is final: people are never deleted). NO KEY UPDATE: rows that
        # merely reference the tenant (their foreign key takes KEY SHARE) are not waited for.
        session.execute(
            select(Tenant.id).where(Tenant.id == tenant.id).with_for_update(key_share=True)
        )
        first = not session.scalar(count)
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


def refresh_profile(session: Session, person: Person, event: Event) -> None:
    """The platform's profile is the truth for name and zone: a person first seen while the
    lookup failed (stored under their id, in the tenant's zone) is set right by the next
    event, and a renamed or travelling person follows their profile. The language they
    write in decides their locale; the profile's only fills it in when nothing else has."""
    if event.user_timezone and person.timezone != event.user_timezone:
        person.timezone = event.user_timezone
    if event.user_locale and person.locale is None:
        person.locale = event.user_locale
    if event.user_name and person.display_name != event.user_name:
        person.display_name = event.user_name
        ident = session.scalar(
            select(Identity).where(
                Identity.person_id == person.id,
                Identity.platform == event.platform,
                Identity.external_id == event.user_id,
            )
        )
        if ident is not None:
            ident.handle = event.user_name


def resolve_mention(ctx: Context, token: str) -> Person:
    """`@bob` → a person: by the platform's mention, else by a known handle or name."""
    for m in ctx.event.mentions:
        if m.outsider and m.token == token:
            raise UserError("outsider_mentioned", name=m.name)
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
