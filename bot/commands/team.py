"""/team <name> @lead @member… (/团队): a team is exactly the people named, led by the first
(admins only)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot import audit
from bot.commands.command import Command
from bot.commands.role import admins_only
from bot.context import Context
from bot.grammar.line import Fail, Line
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Outcome
from bot.people import resolve_all
from storage.models import Person, Team


@dataclass(frozen=True, kw_only=True)
class TeamSet(Intent):
    name: str
    lead: str
    members: tuple[str, ...]


def parse(line: Line, tokens: list[Token]) -> TeamSet:
    if len(tokens) < 2 or tokens[0].mention:
        raise Fail("bad_team", "team", text=line.words(tokens))
    people = line.mentions(tokens[1:])
    if len(people) != len(tokens) - 1:
        raise Fail("bad_team", "team", text=line.words(tokens))
    return TeamSet(name=tokens[0].text, lead=people[0], members=tuple(people[1:]))


def set_team(ctx: Context, intent: TeamSet) -> Outcome:
    """`/team east @lead @a @b`: the team is exactly these people, led by the first. Everyone
    it changes gets a line in the reply: who moved here from which team, who left it (a
    member not named again is in no team afterwards), who leads it now instead of whom, and
    who is new to dealbot."""
    admins_only(ctx)
    s = ctx.session
    new: list[Person] = []
    # every account the platform's directory does not know is named in one reply
    lead, *rest = resolve_all(ctx, [intent.lead, *intent.members], new=new)
    named = {lead.id: lead}
    for person in rest:
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


COMMAND = Command(
    key="team",
    en=("team",),
    zh=("团队",),
    parse=parse,
    handles={TeamSet: set_team},
)
