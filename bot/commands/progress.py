"""/progress [@someone] [week|month|last month|2026-11] (/进度): calls, visits, meetings and
wins in a period, against the targets set for it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot import payments, targets_chart
from bot.commands.command import Command
from bot.context import Context, UserError
from bot.grammar.line import Fail, Line
from bot.grammar.period_words import PERIOD_PREFIXES, PERIODS
from bot.intents import Intent
from bot.lexer import Token
from bot.money import convert, sums
from bot.outcome import Outcome
from bot.people import resolve_mention
from bot.periods import bounds, parse_key
from bot.speaker import speaker
from bot.targets_chart import RepNumbers
from storage.models import Activity, Deal, Target


@dataclass(frozen=True, kw_only=True)
class ProgressView(Intent):
    person: str | None
    period: str  # week | month


def parse(line: Line, tokens: list[Token]) -> ProgressView:
    person, period = None, "week"
    rest = list(tokens)
    while rest:
        t = rest.pop(0)
        if t.mention:
            person = t.mention
        elif t.folded in PERIODS:
            period = PERIODS[t.folded]
        elif t.folded in PERIOD_PREFIXES and rest and rest[0].folded in ("week", "month"):
            period = PERIOD_PREFIXES[t.folded] + rest.pop(0).folded
        elif (key := parse_key(t.text)) is not None:
            period = key
        else:
            raise Fail("bad_period", "progress", text=t.text)
    return ProgressView(person=person, period=period)


def progress(ctx: Context, intent: ProgressView) -> Outcome:
    subject = ctx.me
    if intent.person:
        try:
            subject = resolve_mention(ctx, intent.person)
        except UserError:
            raise UserError("not_allowed_view") from None
        if not ctx.reach.person(subject.id):
            raise UserError("not_allowed_view")
    start, end, key = bounds(ctx.now, ZoneInfo(speaker(subject, ctx.tenant).zone), intent.period)
    counts: dict[str, int] = {
        kind: n
        for kind, n in ctx.session.execute(
            select(Activity.type, func.count(Activity.id))
            .where(
                Activity.tenant_id == ctx.tenant.id,
                Activity.author_id == subject.id,
                Activity.occurred_at >= start,
                Activity.occurred_at < end,
            )
            .group_by(Activity.type)
        )
    }
    target = ctx.session.scalar(
        select(Target).where(Target.person_id == subject.id, Target.period == key)
    )
    # the wins are summed per currency; in the target's (else the tenant's) only when every
    # other one has a configured rate, and the reply says so
    currency = (target.currency if target and target.currency else None) or ctx.tenant.currency
    won = sums(
        ctx.session.execute(
            select(Deal.currency, func.sum(Deal.amount))
            .where(
                Deal.tenant_id == ctx.tenant.id,
                Deal.owner_id == subject.id,
                Deal.status == "won",
                Deal.closed_at >= start,
                Deal.closed_at < end,
            )
            .group_by(Deal.currency)
        ),
        currency,
    )
    converted = convert(won, currency, ctx.settings.rates, ctx.tenant.currency)
    # money collected on the person's deals in the period, and what their payment plans have
    # falling due in it (bot/payments.py)
    collected = payments.collected(ctx.session, ctx.tenant.id, subject.id, start, end)
    text = ctx.t(
        "progress.report",
        person=subject,
        period=key,
        kind=intent.period,
        calls=counts.get("call", 0),
        visits=counts.get("visit", 0),
        meetings=counts.get("meeting", 0),
        touches=sum(counts.values()),
        won=won,
        converted=converted,
        target=target,
        currency=currency,
        home=ctx.settings.rates.base or ctx.tenant.currency,
        collected=collected,
        planned=payments.planned(ctx.session, ctx.tenant.id, subject.id, start.date(), end.date()),
    )
    outcome = Outcome().reply(text, private=True)
    if target is not None:
        # the same numbers as the text: only wins in the target's currency (or converted at
        # the configured rates) count toward its goal, as the text says
        rep = RepNumbers(
            name=subject.display_name,
            actual={
                "calls": Decimal(counts.get("call", 0)),
                "visits": Decimal(counts.get("visit", 0)),
                "won": converted.total if converted else won.get(currency, Decimal(0)),
                "collected": collected.get(currency, Decimal(0)),
            },
            goal={
                "calls": _decimal(target.calls),
                "visits": _decimal(target.visits),
                "won": target.won_amount,
                "collected": target.collected,
            },
        )
        chart = targets_chart.targets(
            [rep],
            say=ctx.t,
            locale=ctx.locale,
            period=key,
            currency=currency,
            title_name=subject.display_name,
        )
        if chart is not None:  # a target with no goal in it draws nothing
            outcome.attach(targets_chart.attachment(chart), private=True)
    return outcome


def _decimal(n: int | None) -> Decimal | None:
    return None if n is None else Decimal(n)


COMMAND = Command(
    key="progress",
    en=("progress",),
    zh=("进度",),
    parse=parse,
    handles={ProgressView: progress},
)
