"""Tenants, people and their platform identities; who may see and change what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session

from bot import mentions
from bot.context import Context, UserError
from bot.customers import by_likeness, name_key
from bot.delivery import Address
from bot.directory import DirectoryUnavailable, Member, NotAnAccount
from bot.events import MENTION, Event, Mention, bound_id, mention_token
from bot.settings import Settings
from storage.models import Identity, Person, Team, Tenant, Workspace


def tenant_for(session: Session, event: Event, settings: Settings) -> Tenant:
    known = session.scalar(  # the tenant with its workspace in one statement
        select(Tenant)
        .join(Workspace, Workspace.tenant_id == Tenant.id)
        .where(Workspace.platform == event.platform, Workspace.external_id == event.workspace_id)
    )
    if known is not None:
        return known
    settings = settings.for_workspace(event.workspace_zone)
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


# built once: the statement every command runs first, its cache key computed once
_SPEAKER = (
    select(Tenant, Person)
    .select_from(Workspace)
    .join(Tenant, Tenant.id == Workspace.tenant_id)
    .outerjoin(
        Identity,
        and_(
            Identity.tenant_id == Tenant.id,
            Identity.platform == bindparam("platform"),
            Identity.external_id == bindparam("user"),
        ),
    )
    .outerjoin(Person, Person.id == Identity.person_id)
    .where(Workspace.platform == bindparam("platform"), Workspace.external_id == bindparam("ws"))
)


def known_speaker(session: Session, event: Event) -> tuple[Tenant, Person | None] | None:
    """The event's tenant and its speaker, when known, in one statement: what every command
    looks up first. None: a workspace never seen (tenant_for creates it); no person: someone
    speaking for the first time (person_for creates them)."""
    row = session.execute(
        _SPEAKER, {"platform": event.platform, "user": event.user_id, "ws": event.workspace_id}
    ).first()
    return None if row is None else (row[0], row[1])


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
    noted: list[Person] | None = None,
) -> Person:
    """The person behind a platform identity; created on first sight (the first one is admin).

    Someone created here is appended to `noted`, for the reply that named them to say so.
    """
    known = session.scalar(  # the person with their identity in one statement
        select(Person)
        .join(Identity, Identity.person_id == Person.id)
        .where(
            Identity.tenant_id == tenant.id,
            Identity.platform == platform,
            Identity.external_id == user_id,
        )
    )
    if known is not None:
        return known
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
    if noted is not None:
        noted.append(person)
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


def viewable(ctx: Context, token: str) -> Person:
    """`@bob` in a view (/tasks, /progress, /review, /forecast): that person, when the speaker
    may see them; else the one refusal, the same for a name nobody has as for someone out of
    reach, so a view never tells who exists beyond what one may see."""
    try:
        person = resolve_mention(ctx, token)
    except UserError:
        raise UserError("not_allowed_view") from None
    if not ctx.reach.person(person.id):
        raise UserError("not_allowed_view")
    return person


def resolve_mention(ctx: Context, token: str, *, new: list[Person] | None = None) -> Person:
    """`@bob` → a person. The one rule for every name a command takes:

    1. The platform's own mention of a user (it carries their user id: the platform vouches
       that they exist) is that person, created on first sight like anyone who writes.
    2. Else a known handle or name, exactly (case aside), or someone's account id on this
       platform.
    3. Else, where the platform has a directory (`ctx.directory`: an account id typed as
       `@zhangsan`), an account it knows is that person, created on first sight with the
       name the directory shows; one it does not know is named in the reply, nothing done
       (unless it looks like someone, 4); nor is a new name it cannot check (`@张三`): a
       colleague who has not written yet is named there by account id.
    4. Else a name that looks like anyone in the tenant (`customers.looks_like`: @小章 for
       @小张, @王经里 for @王经理) is a slip: "did you mean", nothing created. Names within a
       company are not secret; what a view shows of someone is still reach's to decide
       (`seen_person`).
    5. Else the name is new. A name typed where the platform has no user behind it (the
       console: its mentions carry no user id; a person there is known by the name they
       speak under) becomes a person only in a command that introduces people — `/team`,
       `/role`, which pass `new` and say in their reply who was added. Anywhere else it is
       unknown, and nobody is made up.
    """
    typed: Mention | None = None
    for m in ctx.event.mentions:
        if m.token != token:
            continue
        if m.outsider:
            raise UserError("outsider_mentioned", name=m.name)
        if m.user_id:
            return person_for(
                ctx.session,
                ctx.tenant,
                platform=ctx.event.platform,
                user_id=m.user_id,
                name=m.name,
                now=ctx.now,
                noted=new,
            )
        typed = m
        break
    name = typed.name if typed is not None else token.lstrip("@")
    found = _named(ctx, name)
    if found is not None:
        return found
    checked = ctx.directory is not None and bool(name)  # the directory said whether it is
    member: Member | None = None
    if ctx.directory is not None and name:
        try:
            member = ctx.directory(name)
        except NotAnAccount:
            checked = False
        except DirectoryUnavailable:
            raise UserError("directory_down", name=token, text=ctx.event.text or "") from None
        if member is not None:
            return person_for(
                ctx.session,
                ctx.tenant,
                platform=ctx.event.platform,
                user_id=member.user_id,
                name=member.name,
                now=ctx.now,
                noted=new,
            )
    near = similar_people(ctx, name)
    if near:
        raise UserError("person_near", name=token, people=near, lines=_retyped(ctx, token, near))
    if ctx.directory is not None:  # it knows who is there: a name it cannot check is asked
        key = "not_in_directory" if checked else "name_by_account"  # for by account id
        raise UserError(key, names=[token], text=ctx.event.text or "")
    if typed is not None and new is not None and name:
        return person_for(
            ctx.session,
            ctx.tenant,
            platform=ctx.event.platform,
            user_id=name,
            name=name,
            now=ctx.now,
            noted=new,
        )
    raise UserError("unknown_person", name=token, **team_line(ctx))


def resolve_all(ctx: Context, tokens: list[str], *, new: list[Person]) -> list[Person]:
    """Everyone a set-up command names (`/team`), in order: every account the directory does
    not know is named in one reply, not only the first."""
    people, missing = [], []
    for token in tokens:
        try:
            people.append(resolve_mention(ctx, token, new=new))
        except UserError as e:
            if e.key != "not_in_directory":
                raise
            missing.extend(e.params["names"])
    if missing:
        raise UserError("not_in_directory", names=missing, text=ctx.event.text or "")
    return people


def team_line(ctx: Context) -> dict[str, Any]:
    """The asker's team as `/team` would set it again — its name, lead and members — for a
    reply that shows how an admin adds someone to it; nothing when the asker is in no team."""
    team = ctx.session.get(Team, ctx.me.team_id) if ctx.me.team_id is not None else None
    if team is None:
        return {"team": None, "lead": None, "members": []}
    lead = ctx.session.get(Person, team.lead_id) if team.lead_id is not None else None
    members = ctx.session.scalars(
        select(Person)
        .where(Person.team_id == team.id, Person.id != (team.lead_id or 0))
        .order_by(Person.id)
    ).all()
    return {"team": team.name, "lead": lead, "members": list(members)}


def _named(ctx: Context, name: str) -> Person | None:
    """The one person in the tenant with this handle or name (case aside), or with this
    account id on the platform spoken on, if exactly one."""
    handle = name.casefold()
    found = (
        ctx.session.scalars(
            select(Person)
            .join(Identity, Identity.person_id == Person.id)
            .where(
                Person.tenant_id == ctx.tenant.id,
                (func.lower(Identity.handle) == handle)
                | (func.lower(Person.display_name) == handle)
                | (
                    (Identity.platform == ctx.event.platform)
                    & (Identity.external_id == bound_id(name))
                ),
            )
        )
        .unique()
        .all()
    )
    return found[0] if len(found) == 1 else None


def similar_people(ctx: Context, name: str, *, seen: bool = False) -> list[Person]:
    """The people in the tenant whose name or handle `name` looks like, likest first: all
    that "did you mean" may offer. With `seen`, only those within the asker's reach (a view
    offers no one it would then refuse to show)."""
    where = [Person.tenant_id == ctx.tenant.id]
    if seen:
        where.append(ctx.reach.owned(Person.id))
    rows = ctx.session.execute(
        select(Person, Identity.handle)
        .outerjoin(Identity, Identity.person_id == Person.id)
        .where(*where)
        .order_by(Person.id)
    ).all()
    keys: dict[str, str] = {}
    people: dict[str, Person] = {}
    for person, handle in rows:
        for shown in (person.display_name, handle):
            label = f"{person.id}:{shown}"
            if shown and label not in keys:
                keys[label], people[label] = name_key(shown), person
    likest = by_likeness(name, keys)
    return list({people[label].id: people[label] for label in likest}.values())


def seen_person(ctx: Context, token: str) -> Person:
    """Someone a view may show: within the asker's reach. Anyone else — unknown, a slip, or
    out of reach — gets one answer, word for word the same whoever it is about: no one by
    that name that you can see (with the names within reach it may be a slip for: a slip for
    someone out of reach is offered where a command names people, never here, where the
    corrected line would only be refused)."""
    try:
        person: Person | None = resolve_mention(ctx, token)
    except UserError:
        person = None
    if person is not None and ctx.reach.person(person.id):
        return person
    name = next((m.name for m in ctx.event.mentions if m.token == token), token.lstrip("@"))
    near = similar_people(ctx, name, seen=True)
    raise UserError("no_one_seen", name="@" + name, people=near, lines=_retyped(ctx, token, near))


def _retyped(ctx: Context, token: str, people: list[Person]) -> list[str]:
    """The line as sent, with `token` naming each of `people` instead: one to send back."""
    text = ctx.event.text or ""
    lines = []
    for p in people:
        marker = mentions.marker(p.id)
        lines.append(
            MENTION.sub(lambda m, to=marker: to if mention_token(m[1]) == token else m[0], text)
        )
    return [line for line in lines if line != text]


def manager_of(session: Session, person: Person) -> Person | None:
    if person.team_id is None:
        return None
    team = session.get(Team, person.team_id)
    if team is None or team.lead_id is None or team.lead_id == person.id:
        return None
    return session.get(Person, team.lead_id)


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
