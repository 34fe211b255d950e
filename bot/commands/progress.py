"""/progress [@someone] [period] (/进度): calls, visits, meetings and wins in a period, against
the targets set for it; /progress team [team] [period] (/进度 团队): each rep's and the team's,
with the gap and the pace needed (bot/goals.py counts them all)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import payments, targets_chart
from bot.commands.command import Command
from bot.context import Context, UserError
from bot.goals import TeamProgress, goal_for, reps_of, team_goal, team_progress
from bot.grammar.line import Fail, Line
from bot.grammar.period_words import read_period
from bot.intents import Intent
from bot.lexer import Token
from bot.money import convert
from bot.outcome import Outcome
from bot.people import viewable
from bot.periods import bounds
from bot.speaker import speaker
from bot.targets_chart import RepNumbers
from bot.team_goals import TEAM_WORDS
from storage.models import Team


@dataclass(frozen=True, kw_only=True)
class ProgressView(Intent):
    person: str | None
    period: str  # a word of bot/periods.RELATIVE or a key


@dataclass(frozen=True, kw_only=True)
class TeamProgressView(Intent):
    team: str | None  # None: the team the asker leads
    period: str


def parse(line: Line, tokens: list[Token]) -> ProgressView | TeamProgressView:
    team = bool(tokens) and tokens[0].folded in TEAM_WORDS
    person, name, period = None, None, "week"
    rest = list(tokens[1:] if team else tokens)
    while rest:
        if (found := read_period(rest, line.ctx.now, line.ctx.tz)) is not None:
            period, rest = found[0], rest[found[1] :]
        elif rest[0].mention and not team:
            person = rest.pop(0).mention
        elif team and name is None and not rest[0].mention:
            name = rest.pop(0).text  # a team's name: after the word team, not a period
        else:
            raise Fail("bad_period", "progress", text=rest[0].text)
    if team:
        return TeamProgressView(team=name, period=period)
    return ProgressView(person=person, period=period)


def progress(ctx: Context, intent: ProgressView) -> Outcome:
    subject = viewable(ctx, intent.person) if intent.person else ctx.me
    zone = speaker(subject, ctx.tenant).zone
    key = bounds(ctx.now, ZoneInfo(zone), intent.period)[2]
    target = goal_for(ctx.session, ctx.tenant.id, subject.id, key)
    # the wins are summed per currency; in the target's (else the tenant's) only when every
    # other one has a configured rate, and the reply says so
    currency = (target.currency if target and target.currency else None) or ctx.tenant.currency
    found = _numbers(ctx, [subject], intent.period, zone, currency)
    [rep] = found.reps
    converted = convert(rep.won_sums, currency, ctx.settings.rates, ctx.tenant.currency)
    start, end = found.start, found.end
    text = ctx.t(
        "progress.report",
        person=subject,
        period=key,
        kind=intent.period,
        calls=int(rep.actual["calls"]),
        visits=int(rep.actual["visits"]),
        meetings=int(rep.actual["meetings"]),
        touches=int(rep.actual["touches"]),
        won=rep.won_sums,
        converted=converted,
        target=target,
        currency=currency,
        home=ctx.settings.rates.base or ctx.tenant.currency,
        collected={c: v for c, v in rep.collected_sums.items() if v},
        planned=payments.planned(ctx.session, ctx.tenant.id, subject.id, start.date(), end.date()),
    )
    outcome = Outcome().reply(text, private=True)
    if target is not None:
        # the same numbers as the text: only wins in the target's currency (or converted at
        # the configured rates) count toward its goal, as the text says
        _chart(ctx, outcome, found, subject.display_name)
    return outcome


def team_progress_view(ctx: Context, intent: TeamProgressView) -> Outcome:
    """One line per rep and the team's total, each against its goal, with the gap and the pace
    the rest of the period needs: for the team's lead or an admin."""
    if ctx.me.role == "rep":
        raise UserError("team_progress_managers", team=intent.team or "")
    team = _team(ctx, intent.team)
    key = bounds(ctx.now, ZoneInfo(ctx.tz), intent.period)[2]
    goal = team_goal(ctx.session, ctx.tenant.id, team.id, key)
    currency = (goal.currency if goal else None) or ctx.tenant.currency
    reps = reps_of(ctx.session, team, key)
    found = _numbers(ctx, reps, intent.period, ctx.tz, currency, team=team)
    outcome = Outcome().reply(
        ctx.t("progress.team_report", team=team, progress=found, currency=currency), private=True
    )
    _chart(ctx, outcome, found, team.name)
    return outcome


def _team(ctx: Context, name: str | None) -> Team:
    if name is None:
        led = list(
            ctx.session.scalars(
                select(Team)
                .where(Team.tenant_id == ctx.tenant.id, Team.lead_id == ctx.me.id)
                .order_by(Team.name)
            )
        )
        if len(led) != 1:
            raise UserError("which_team", teams=[t.name for t in led])
        return led[0]
    team = ctx.session.scalar(
        select(Team).where(Team.tenant_id == ctx.tenant.id, Team.name == name)
    )
    if team is None or (ctx.me.role != "admin" and team.lead_id != ctx.me.id):
        # another manager's team is answered as one that does not exist
        raise (
            UserError("team_lead_only", team=name) if team else UserError("unknown_team", name=name)
        )
    return team


def _numbers(  # type: ignore[no-untyped-def]
    ctx: Context, members, period: str, zone: str, currency: str, team: Team | None = None
) -> TeamProgress:
    return team_progress(
        ctx.session,
        tenant_id=ctx.tenant.id,
        members=members,
        period=period,
        tz=zone,
        now=ctx.now,
        calendar=ctx.settings.calendar_for(ctx.tenant.timezone),
        currency=currency,
        rates=ctx.settings.rates,
        home=ctx.tenant.currency,
        team=team,
    )


def _chart(ctx: Context, outcome: Outcome, found: TeamProgress, title: str) -> None:
    reps = [
        RepNumbers(name=r.person.display_name, actual=r.actual, goal=r.goal) for r in found.reps
    ]
    chart = targets_chart.targets(
        reps,
        say=ctx.t,
        locale=ctx.locale,
        period=found.period,
        currency=found.currency,
        title_name=title,
    )
    if chart is not None:  # no goal in it draws nothing
        outcome.attach(targets_chart.attachment(chart), private=True)


COMMAND = Command(
    key="progress",
    en=("progress",),
    zh=("进度",),
    parse=parse,
    handles={ProgressView: progress, TeamProgressView: team_progress_view},
)
