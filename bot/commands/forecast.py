"""/forecast [team|@someone] [quarter|month|2027-Q1|…] (/预测): won, committed, weighted and
best case per rep and for the team, against the goal, with how each stage's win rate was
found, and last period's forecast against what was won (bot/forecast.py).

Who sees what: a rep their own part (another's, or the team's, is refused); a manager the
reps of the teams they lead; an admin everyone."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import forecast as fc
from bot.commands.command import Command
from bot.context import Context, UserError
from bot.goals import reps_of, team_progress
from bot.grammar.line import Fail, Line
from bot.grammar.period_words import read_period
from bot.intents import Intent
from bot.lexer import Token
from bot.money import sums
from bot.outcome import Outcome
from bot.people import viewable
from bot.periods import bounds, is_week
from bot.reach import led_by
from bot.win_rates import win_rates
from storage.models import Person, Team

SCOPES = {"team": "team", "团队": "team", "mine": "mine", "我的": "mine"}


@dataclass(frozen=True, kw_only=True)
class ForecastView(Intent):
    scope: str  # "" (the asker's own: a rep's part, a manager's team) | mine | team | person
    person: str | None = None
    period: str = "quarter"  # a word of bot/periods.RELATIVE or a month's or quarter's key


def parse(line: Line, tokens: list[Token]) -> ForecastView:
    scope, person, period = "", None, "quarter"
    rest = list(tokens)
    while rest:
        if rest[0].mention:
            scope, person = "person", rest.pop(0).mention
        elif rest[0].folded in SCOPES:
            scope = SCOPES[rest.pop(0).folded]
        elif (found := read_period(rest, line.ctx.now, line.ctx.tz)) is not None:
            if is_week(found[0]):  # a week is too short to forecast
                raise Fail("bad_forecast_period", "forecast", text=line.words(rest[: found[1]]))
            period, rest = found[0], rest[found[1] :]
        else:
            raise Fail("bad_forecast_period", "forecast", text=line.words(rest))
    return ForecastView(scope=scope, person=person, period=period)


def forecast(ctx: Context, intent: ForecastView) -> Outcome:
    people, pool, team = _scope(ctx, intent)
    tz, home = ZoneInfo(ctx.tz), ctx.settings.rates.base or ctx.tenant.currency
    currency = ctx.tenant.currency
    start, end, key = bounds(ctx.now, tz, intent.period)
    progress = team_progress(
        ctx.session,
        tenant_id=ctx.tenant.id,
        members=people,
        period=key,
        tz=ctx.tz,
        now=ctx.now,
        calendar=ctx.settings.calendar_for(ctx.tz),
        currency=currency,
        rates=ctx.settings.rates,
        home=home,
        team=team,
    )
    rules = ctx.settings.forecast
    rates = win_rates(
        ctx.session,
        tenant_id=ctx.tenant.id,
        owners=pool,
        now=ctx.now,
        pipeline=ctx.settings.pipeline,
        rules=rules,
    )
    reps = fc.forecasts(
        ctx.session,
        tenant_id=ctx.tenant.id,
        progress=progress.reps,
        start=start,
        end=end,
        rates=rates,
        home=currency,
    )
    if ctx.now < end:  # a period over is not forecast: its forecast was what it said then
        fc.save_first(ctx.session, tenant_id=ctx.tenant.id, period=key, reps=reps, now=ctx.now)
    if ctx.me.role == "admin" and intent.scope != "person":
        reps = [r for r in reps if _any(r)] or reps[:1]
    unit = "quarter" if "Q" in key else "month"
    p_start, p_end, p_key = bounds(start, tz, f"last_{unit}")
    before = fc.past(
        ctx.session,
        tenant_id=ctx.tenant.id,
        period=p_key,
        start=p_start,
        end=p_end,
        people=[r.person.id for r in reps],
        currency=currency,
        rates=ctx.settings.rates,
        home=home,
    )
    rows = [_row(ctx, r.person, r, r.goal, currency, home) for r in reps]
    team_goal = progress.total.goal.get("won") if len(reps) > 1 else None
    text = ctx.t(
        "forecast.report",
        period=key,
        start=start,
        end=end,
        rows=rows,
        total=_row(ctx, None, _totals(reps, currency), team_goal, currency, home)
        if len(reps) > 1
        else None,
        undated=sum(r.undated for r in reps),
        no_amount=sum(r.no_amount for r in reps),
        stages=[
            {"name": s.name(ctx.locale), "rate": rates[s.key]}
            for s in ctx.settings.pipeline.open_stages
        ],
        needed=rules.min_closed_deals,
        months=rules.history_months,
        before=before,
        currency=currency,
    )
    return Outcome().reply(text, private=True)


def _scope(ctx: Context, intent: ForecastView) -> tuple[list[Person], set[int] | None, Team | None]:
    """(the reps shown, whose closed deals measure the rates (None: the tenant's), the team
    whose own goal is the total's when there is one)."""
    me, session = ctx.me, ctx.session
    if intent.scope == "person":
        return [viewable(ctx, intent.person or "")], _pool(ctx), None
    if me.role == "rep" or intent.scope == "mine":
        if intent.scope == "team":
            raise UserError("not_allowed_view")
        return [me], _pool(ctx), None
    if me.role == "admin":
        everyone = session.scalars(
            select(Person)
            .where(Person.tenant_id == ctx.tenant.id)
            .order_by(Person.display_name, Person.id)
        )
        return list(everyone), None, None
    teams = list(session.scalars(select(Team).where(Team.lead_id == me.id).order_by(Team.id)))
    reps: dict[int, Person] = {}
    for team in teams:
        reps.update((p.id, p) for p in reps_of(session, team, _key(ctx, intent)))
    return list(reps.values()) or [me], _pool(ctx), teams[0] if len(teams) == 1 else None


def _key(ctx: Context, intent: ForecastView) -> str:
    return bounds(ctx.now, ZoneInfo(ctx.tz), intent.period)[2]


def _pool(ctx: Context) -> set[int] | None:
    """Whose closed deals measure the win rates: the team the asker sells in (a rep's whole
    team: one rep's own deals are too few to measure), or leads; an admin's, everyone's."""
    me = ctx.me
    if me.role == "admin":
        return None
    if me.role == "manager":
        return led_by(ctx.session, me.id)
    if me.team_id is None:
        return {me.id}
    team = ctx.session.get(Team, me.team_id)
    members = set(ctx.session.scalars(select(Person.id).where(Person.team_id == me.team_id)))
    return members | ({team.lead_id} if team and team.lead_id else set()) | {me.id}


def _any(rep: fc.RepForecast) -> bool:
    return bool(rep.won or rep.best or rep.goal or rep.undated or rep.no_amount)


def _totals(reps: list[fc.RepForecast], currency: str) -> fc.RepForecast:
    return fc.RepForecast(
        person=reps[0].person,
        won=fc.total(reps, "won", currency),
        goal=None,
        committed=fc.total(reps, "committed", currency),
        weighted=fc.total(reps, "weighted", currency),
        best=fc.total(reps, "best", currency),
    )


def _row(
    ctx: Context,
    person: Person | None,
    rep: fc.RepForecast,
    goal: Decimal | None,
    currency: str,
    home: str,
) -> dict[str, Any]:
    """One line's numbers; `expected` (won + weighted) and `gap` only when they add up in
    the goal's currency (every other currency with a configured rate)."""
    both = sums([*rep.won.items(), *rep.weighted.items()], currency)
    expected = fc.in_currency(both, currency, ctx.settings.rates, home)
    gap = goal - expected if goal is not None and expected is not None else None
    return {
        "person": person,
        "won": rep.won,
        "committed": rep.committed,
        "weighted": rep.weighted,
        "best": rep.best,
        "goal": goal,
        "expected": expected,
        "gap": gap,
    }


COMMAND = Command(
    key="forecast",
    en=("forecast",),
    zh=("预测",),
    parse=parse,
    handles={ForecastView: forecast},
)
