"""/pipeline [mine|team|all|@someone] (/漏斗): the open deals by stage, as far as the asker
may see."""

from __future__ import annotations

from dataclasses import dataclass

from bot import funnel_chart
from bot.commands.command import Command
from bot.context import Context, UserError
from bot.grammar.line import Fail, Line
from bot.intents import Intent
from bot.lexer import Token
from bot.money import convert
from bot.outcome import Outcome
from bot.people import seen_person
from bot.stage_board import board
from storage.models import Person

PIPELINE_SHOWN = 10  # deals listed per stage; the rest are counted ("…and 3 more")
# the views that also get the funnel as a picture: a team's and everyone's (a rep's own list
# is short enough to read)
CHARTED = ("team", "all")
SCOPES = {
    "mine": "mine",
    "我的": "mine",
    "team": "team",
    "团队": "team",
    "all": "all",
    "全部": "all",
    "所有": "all",
}


@dataclass(frozen=True, kw_only=True)
class PipelineView(Intent):
    scope: str  # mine team all person
    person: str | None = None


def parse(line: Line, tokens: list[Token]) -> PipelineView:
    if not tokens:
        return PipelineView(scope="mine")
    if tokens[0].mention:
        return PipelineView(scope="person", person=tokens[0].mention)
    scope = SCOPES.get(tokens[0].folded)
    if scope is None:
        raise Fail("bad_scope", "pipeline", text=line.words(tokens))
    return PipelineView(scope=scope)


def pipeline(ctx: Context, intent: PipelineView) -> Outcome:
    subject: Person | None = None
    if intent.scope == "mine":
        subject = ctx.me
    elif intent.scope == "person":
        # unknown and out of reach read the same, word for word: "no one by that name that
        # you can see" (bot/people.py seen_person)
        subject = seen_person(ctx, intent.person or "")
    elif (intent.scope, ctx.me.role) in (("all", "rep"), ("all", "manager"), ("team", "rep")):
        raise UserError("not_allowed_view")
    home, rates = ctx.tenant.currency, ctx.settings.rates
    open_stages = ctx.settings.pipeline.open_stages
    found = board(
        ctx.session,
        tenant_id=ctx.tenant.id,
        stages=[s.key for s in open_stages],
        # an admin reaches every customer: no join to ask the database for
        reach=None if ctx.reach.people is None else ctx.reach.customers_sql(),
        owner_id=subject.id if subject is not None else None,
        home=home,
        shown=PIPELINE_SHOWN,
    )
    stages = []
    for stage in open_stages:
        rows = found.stages[stage.key]
        stages.append(
            {
                "name": stage.name(ctx.locale),
                "deals": rows.shown,
                "count": rows.count,
                "more": max(rows.count - PIPELINE_SHOWN, 0),  # said where the list stops
                "totals": rows.totals,  # per currency
            }
        )
    # deals in several currencies: their sums apart, and in the team's at configured rates
    everything = found.everything
    several = len(everything) > 1
    text = ctx.t(
        "pipeline.view",
        stages=stages,
        scope=intent.scope,
        subject=subject,
        total=found.total,
        totals=everything if several else {},
        converted=convert(everything, home, rates, home) if several else None,
        unrated=[c for c in everything if rates.rate(c, home, home) is None],
        base=rates.base or home,
    )
    outcome = Outcome().reply(text, private=True)
    if intent.scope in CHARTED:
        chart = funnel_chart.funnel(
            found,
            open_stages,
            say=ctx.t,
            locale=ctx.locale,
            home=home,
            rates=rates,
            scope=intent.scope,
        )
        if chart is not None:  # an empty pipeline draws nothing
            outcome.attach(funnel_chart.attachment(chart), private=True)
    return outcome


COMMAND = Command(
    key="pipeline",
    en=("pipeline",),
    zh=("漏斗",),
    parse=parse,
    handles={PipelineView: pipeline},
)
