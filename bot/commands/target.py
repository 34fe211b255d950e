"""/target @someone <period> calls=… visits=… won=… (/目标 … 电话=… 拜访=… 赢单=…): process
targets for a week, a month or a quarter (managers, for the people they reach); and
/target team <team> <period> won=… [split …] (/目标 团队 …): a team's goal, split among its
reps (bot/team_goals.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot import audit
from bot.commands.command import Command
from bot.context import Context, UserError
from bot.grammar.line import Fail, Line
from bot.grammar.period_words import read_period
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Outcome
from bot.parse.amounts import Amount, parse_amount
from bot.people import resolve_mention
from bot.periods import bounds
from bot.team_goals import TEAM_WORDS, TeamTargetSet, parse_split, set_team_target
from storage.models import Target

TARGET_KEYS = {
    "calls": "calls",
    "call": "calls",
    "电话": "calls",
    "visits": "visits",
    "visit": "visits",
    "拜访": "visits",
    "won": "won",
    "赢单": "won",
    "collected": "collected",  # money collected (回款, bot/payments.py)
    "回款": "collected",
    "meetings": "meetings",
    "meeting": "meetings",
    "会议": "meetings",
    "new": "new_deals",  # deals opened in the period
    "new_deals": "new_deals",
    "deals": "new_deals",
    "新商机": "new_deals",
    "新单": "new_deals",
}
COUNT_KEYS = ("calls", "visits", "meetings", "new_deals")


@dataclass(frozen=True, kw_only=True)
class TargetSet(Intent):
    person: str
    period: str  # 2026-12 | 2026-W49 | 2027-Q1
    calls: int | None
    visits: int | None
    won: Amount | None
    collected: Amount | None = None
    meetings: int | None = None
    new_deals: int | None = None


def parse(line: Line, tokens: list[Token]) -> TargetSet | TeamTargetSet:
    team = bool(tokens) and tokens[0].folded in TEAM_WORDS
    if team:
        tokens = tokens[1:]
    if len(tokens) < 3 or (not team and not tokens[0].mention) or (team and tokens[0].mention):
        raise Fail("bad_target", "target", text=line.words(tokens))
    found = read_period(tokens[1:], line.ctx.now, line.ctx.tz)
    if found is None:
        raise Fail("bad_period", "target", text=tokens[1].text)
    period = bounds(line.ctx.now, line.ctx.tz, found[0])[2]
    rest = tokens[1 + found[1] :]
    metrics = [t for t in rest if "=" in t.text]
    goals = _goals(metrics)
    if team:
        split, shares = parse_split(line, rest[len(metrics) :])
        if rest[: len(metrics)] != metrics or not any(v is not None for v in goals.values()):
            raise Fail("bad_target", "target", text=line.words(rest))
        return TeamTargetSet(
            team=tokens[0].text, period=period, split=split, shares=shares, **goals
        )
    if len(metrics) != len(rest) or not metrics:
        raise Fail("bad_target", "target", text=line.words(rest))
    return TargetSet(person=tokens[0].mention or "", period=period, **goals)


def _goals(tokens: list[Token]) -> dict[str, int | Amount | None]:
    """`calls=600 won=2M …` → each metric's value, None where not named."""
    values: dict[str, str] = {}
    for t in tokens:
        key, sep, value = t.text.partition("=")
        if not sep or key.casefold() not in TARGET_KEYS or not value:
            raise Fail("bad_target", "target", text=t.text)
        values[TARGET_KEYS[key.casefold()]] = value
    goals: dict[str, int | Amount | None] = {}
    for key in COUNT_KEYS:
        if key in values and not values[key].isdigit():
            raise Fail("bad_target", "target", text=f"{key}={values[key]}")
        goals[key] = int(values[key]) if key in values else None
    for key in ("won", "collected"):
        goals[key] = parse_amount(values[key]) if key in values else None
        if key in values and goals[key] is None:
            raise Fail("bad_amount", "target", text=values[key])
    return goals


def set_target(ctx: Context, intent: TargetSet) -> Outcome:
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
    for key in COUNT_KEYS:
        if getattr(intent, key) is not None:
            setattr(target, key, getattr(intent, key))
    if intent.won is not None:
        target.won_amount = intent.won.value
        target.currency = intent.won.currency or ctx.tenant.currency
    if intent.collected is not None:
        target.collected = intent.collected.value
        target.currency = intent.collected.currency or target.currency or ctx.tenant.currency
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


COMMAND = Command(
    key="target",
    en=("target",),
    zh=("目标",),
    parse=parse,
    handles={TargetSet: set_target, TeamTargetSet: set_team_target},
)
