"""A team's goal for a period, split among its reps (`/target team east 2027-01 won=2M calls=600
[split even | last quarter | @alice 40% @bob 60%]`, /目标 团队 华东 2027-01 赢单=200万 [平分 |
按上季度 | @小李 40% @小王 60%]).

The team's goal is kept as the team's (`TeamGoal`): a rep's target changed afterwards
(`/target @alice 2027-01 won=800k`) moves that rep's share, never what the team was asked for.
Each rep's share is written as their `Target` for the period, and the reply shows it back with
the command that adjusts it.

How it is split, metric by metric (whole calls, money to the cent; what rounding leaves over
goes one unit at a time to the reps listed first, so the shares always add up to the goal):
- even (the default): the same for each rep;
- last quarter: each rep's share of what the team did of that metric in the quarter before the
  period's; a rep with nothing then (new to the team) carries an even share (1/n), and the
  rest is split among the others by what they did; nobody with anything: even;
- stated: the percentages named, which must add up to 100.
The reps are the team's members but its lead (bot/goals.py `reps_of`); a stated split may name
the lead too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import audit
from bot.context import Context, UserError
from bot.goals import COLUMNS, COUNTS, METRICS, reps_of, team_goal, team_progress
from bot.grammar.line import Fail, Line
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Outcome
from bot.parse.amounts import Amount
from bot.people import resolve_mention
from bot.periods import quarter_before
from storage.models import Person, Target, Team, TeamGoal

TEAM_WORDS = ("team", "团队")
EVEN_WORDS = ("even", "evenly", "平分", "均分")
LAST_QUARTER_WORDS = ("按上季度", "上季度", "按上季")


@dataclass(frozen=True, kw_only=True)
class TeamTargetSet(Intent):
    team: str
    period: str
    split: str  # even | last_quarter | stated
    shares: tuple[tuple[str, Decimal], ...]  # stated: (mention, percent)
    calls: int | None = None
    visits: int | None = None
    meetings: int | None = None
    new_deals: int | None = None
    won: Amount | None = None
    collected: Amount | None = None


def parse_split(line: Line, tokens: list[Token]) -> tuple[str, tuple[tuple[str, Decimal], ...]]:
    words = [t.folded for t in tokens]
    if words and words[0] in ("split", "按"):
        words, tokens = words[1:], tokens[1:]
    if not words or (len(words) == 1 and words[0] in EVEN_WORDS):
        return "even", ()
    if words in (["last", "quarter"], ["by", "last", "quarter"]) or (
        len(words) == 1 and words[0] in LAST_QUARTER_WORDS
    ):
        return "last_quarter", ()
    shares = []
    for who, percent in zip(tokens[::2], tokens[1::2], strict=False):
        value = _percent(percent.text)
        if not who.mention or value is None:
            raise Fail("bad_split", "target", text=line.words(tokens))
        shares.append((who.mention, value))
    if len(tokens) % 2 or sum(p for _, p in shares) != 100:
        raise Fail("bad_split", "target", text=line.words(tokens))
    return "stated", tuple(shares)


def _percent(text: str) -> Decimal | None:
    if not text.endswith("%"):
        return None
    try:
        value = Decimal(text[:-1])
    except InvalidOperation:
        return None
    return value if 0 <= value <= 100 else None


def set_team_target(ctx: Context, intent: TeamTargetSet) -> Outcome:
    s = ctx.session
    team = s.scalar(select(Team).where(Team.tenant_id == ctx.tenant.id, Team.name == intent.team))
    if team is None:
        raise UserError("unknown_team", name=intent.team)
    if ctx.me.role != "admin" and ctx.me.id != team.lead_id:
        raise UserError("team_lead_only", team=team.name)
    currency = next(
        (a.currency for a in (intent.won, intent.collected) if a and a.currency), None
    ) or (ctx.tenant.currency)
    goals = _goals(intent)
    if intent.split == "stated":
        named = [(resolve_mention(ctx, who), pct) for who, pct in intent.shares]
        if stray := [p for p, _ in named if p.team_id != team.id]:
            raise UserError("not_in_team", person=stray[0], team=team.name)
        reps = [p for p, _ in named]
        weights = {m: [pct for _, pct in named] for m in goals}
    else:
        reps = reps_of(s, team, intent.period)
        if not reps:
            raise UserError("team_has_no_reps", team=team.name)
        weights = _weights(ctx, reps, intent.period, currency, goals, intent.split)
    shares = {m: _divide(v, weights[m], m in COUNTS) for m, v in goals.items()}
    goal = team_goal(s, ctx.tenant.id, team.id, intent.period)
    before = _state(goal)
    if goal is None:
        goal = TeamGoal(tenant_id=ctx.tenant.id, team_id=team.id, period=intent.period)
        s.add(goal)
    for metric, value in goals.items():
        setattr(goal, COLUMNS[metric], _stored(metric, value))
    goal.currency, goal.split = currency, intent.split
    rows = [_rep_target(ctx, rep, intent.period, currency) for rep in reps]
    for i, row in enumerate(rows):
        for metric in goals:
            setattr(row, COLUMNS[metric], _stored(metric, shares[metric][i]))
    s.flush()
    audit.record(ctx, "team_goal.set", f"team_goal:{goal.id}", before=before, after=_state(goal))
    lines = [
        (rep, {m: shares[m][i] for m in goals}, weights_shown(weights, i))
        for i, rep in enumerate(reps)
    ]
    return Outcome().reply(
        ctx.t("target.team_set", team=team, goal=goal, goals=goals, lines=lines, currency=currency)
    )


def weights_shown(weights: dict[str, list[Decimal]], i: int) -> Decimal | None:
    """A rep's percentage when every metric is split alike (even, stated), else None."""
    shown = {(w[i] * 100 / sum(w)).quantize(Decimal("0.1")) for w in weights.values() if sum(w)}
    return Decimal(format(shown.pop().normalize(), "f")) if len(shown) == 1 else None


def _goals(intent: TeamTargetSet) -> dict[str, Decimal]:
    out = {}
    for metric in METRICS:
        value = getattr(intent, metric)
        if value is not None:
            out[metric] = Decimal(value.value if isinstance(value, Amount) else value)
    return out


def _weights(
    ctx: Context,
    reps: list[Person],
    period: str,
    currency: str,
    goals: dict[str, Decimal],
    split: str,
) -> dict[str, list[Decimal]]:
    even = {m: [Decimal(1)] * len(reps) for m in goals}
    if split == "even":
        return even
    # what each rep did in the quarter before, counted as /progress counts it
    before = team_progress(
        ctx.session,
        tenant_id=ctx.tenant.id,
        members=reps,
        period=quarter_before(period, ZoneInfo(ctx.tz)),
        tz=ctx.tz,
        now=ctx.now,
        calendar=ctx.settings.calendar_for(ctx.tenant.timezone),
        currency=currency,
        rates=ctx.settings.rates,
        home=ctx.settings.rates.base or ctx.tenant.currency,
    )
    out = {}
    for metric in goals:
        done = [r.actual[metric] for r in before.reps]
        total, new = sum(done, Decimal(0)), sum(1 for d in done if not d)
        if not total:
            out[metric] = even[metric]
            continue
        # a rep with nothing last quarter carries 1/n: weighted total/(n - new) of n/(n - new)
        fresh = total / (len(reps) - new)
        out[metric] = [d if d else fresh for d in done]
    return out


def _divide(total: Decimal, weights: Sequence[Decimal], whole: bool) -> list[Decimal]:
    """`total` in proportion to `weights`, in whole units (or cents), the units rounding
    leaves over going to the first reps, so the parts add up to `total` exactly."""
    unit = Decimal(1) if whole else Decimal("0.01")
    weight = sum(weights, Decimal(0))
    parts = [(total * w / weight).quantize(unit, rounding=ROUND_FLOOR) for w in weights]
    over = int((total - sum(parts, Decimal(0))) / unit)
    for i in range(over):
        parts[i % len(parts)] += unit
    return parts


def _stored(metric: str, value: Decimal) -> Decimal | int:
    return int(value) if metric in COUNTS else value


def _rep_target(ctx: Context, rep: Person, period: str, currency: str) -> Target:
    row = ctx.session.scalar(
        select(Target).where(
            Target.tenant_id == ctx.tenant.id, Target.person_id == rep.id, Target.period == period
        )
    )
    if row is None:
        row = Target(tenant_id=ctx.tenant.id, person_id=rep.id, period=period)
        ctx.session.add(row)
    row.currency = currency
    return row


def _state(goal: TeamGoal | None) -> dict[str, object] | None:
    if goal is None:
        return None
    return {
        "period": goal.period,
        "split": goal.split,
        "currency": goal.currency,
        **{m: getattr(goal, COLUMNS[m]) for m in METRICS},
    }
