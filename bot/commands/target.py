"""/target @someone <period> calls=… visits=… won=… (/目标 … 电话=… 拜访=… 赢单=…): process
targets for a week or a month (managers, for the people they reach)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot import audit
from bot.commands.command import Command
from bot.context import Context, UserError
from bot.grammar.line import Fail, Line
from bot.grammar.period_words import period_key
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Outcome
from bot.parse.amounts import Amount, parse_amount
from bot.people import resolve_mention
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
}


@dataclass(frozen=True, kw_only=True)
class TargetSet(Intent):
    person: str
    period: str  # 2026-12 | 2026-W49
    calls: int | None
    visits: int | None
    won: Amount | None
    collected: Amount | None = None


def parse(line: Line, tokens: list[Token]) -> TargetSet:
    if len(tokens) < 3 or not tokens[0].mention:
        raise Fail("bad_target", "target", text=line.words(tokens))
    period = period_key(tokens[1].text, line.ctx.now, line.ctx.tz)
    if period is None:
        raise Fail("bad_period", "target", text=tokens[1].text)
    values: dict[str, str] = {}
    for t in tokens[2:]:
        key, sep, value = t.text.partition("=")
        if not sep or key.casefold() not in TARGET_KEYS or not value:
            raise Fail("bad_target", "target", text=t.text)
        values[TARGET_KEYS[key.casefold()]] = value
    counts = {}
    for key in ("calls", "visits"):
        if key in values:
            if not values[key].isdigit():
                raise Fail("bad_target", "target", text=f"{key}={values[key]}")
            counts[key] = int(values[key])
    won = collected = None
    if "won" in values:
        won = parse_amount(values["won"])
        if won is None:
            raise Fail("bad_amount", "target", text=values["won"])
    if "collected" in values:
        collected = parse_amount(values["collected"])
        if collected is None:
            raise Fail("bad_amount", "target", text=values["collected"])
    return TargetSet(
        person=tokens[0].mention or "",
        period=period,
        calls=counts.get("calls"),
        visits=counts.get("visits"),
        won=won,
        collected=collected,
    )


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
    if intent.calls is not None:
        target.calls = intent.calls
    if intent.visits is not None:
        target.visits = intent.visits
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
    handles={TargetSet: set_target},
)
