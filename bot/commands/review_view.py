"""/review [@someone] [last week|this week|2026-W50] (/复盘, /周报): the weekly review of the
asker's team (a manager's: the teams they lead), or of their own part (a rep's), or of one
person within reach; last week by default. bot/review.py gathers it."""

from __future__ import annotations

from dataclasses import dataclass

from bot import digest_process
from bot import review as review_mod
from bot.commands.command import Command
from bot.context import Context
from bot.grammar.line import Fail, Line
from bot.grammar.period_words import PERIOD_PREFIXES, PERIODS
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Outcome
from bot.people import viewable
from bot.periods import is_week, parse_key
from bot.reach import over


@dataclass(frozen=True, kw_only=True)
class ReviewView(Intent):
    person: str | None
    period: str  # last_week | week | a key (2026-W50); anything else is answered, not read


def parse(line: Line, tokens: list[Token]) -> ReviewView:
    person, period = None, "last_week"
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
            raise Fail("bad_period", "review", text=t.text)
    return ReviewView(person=person, period=period)


def review(ctx: Context, intent: ReviewView) -> Outcome:
    if not is_week(intent.period) or intent.period.startswith("next"):
        return Outcome().reply(ctx.t("review.weeks_only"), private=True)
    if intent.person:
        subject = viewable(ctx, intent.person)  # a rep asking about another: refused
        scope = review_mod.Scope(people=frozenset({subject.id}), rep=subject)
    else:
        scope = review_mod.who(ctx.session, ctx.me, ctx.tenant)
    reach = over(ctx.session, ctx.me.id, scope.people)
    calendar = ctx.settings.calendar_for(ctx.tenant.timezone)
    found = review_mod.gather(
        ctx.session,
        tenant=ctx.tenant,
        scope=scope,
        reach=reach,
        settings=ctx.settings,
        calendar=calendar,
        tz=ctx.tz,
        kind=intent.period,
        now=ctx.now,
    )
    text = digest_process.appended(ctx.t("review.report", r=found), found.process, ctx.t)
    outcome = Outcome().reply(text, private=True)
    for picture in review_mod.attachments(
        ctx.session,
        found,
        tenant=ctx.tenant,
        reach=reach,
        settings=ctx.settings,
        say=ctx.t,
        locale=ctx.locale,
    ):
        outcome.attach(picture, private=True)
    return outcome


COMMAND = Command(
    key="review",
    en=("review",),
    zh=("复盘", "周报"),
    parse=parse,
    handles={ReviewView: review},
)
