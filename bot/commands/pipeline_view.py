"""/pipeline [mine|team|all|@someone] (/漏斗): the open deals by stage, as far as the asker
may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.commands.command import Command
from bot.context import Context, UserError
from bot.grammar.line import Fail, Line
from bot.intents import Intent
from bot.lexer import Token
from bot.money import convert, sums
from bot.outcome import Outcome
from bot.people import seen_person
from storage.models import Customer, Deal, Person

PIPELINE_SHOWN = 10  # deals listed per stage; the rest are counted ("…and 3 more")
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
    query = (
        select(Deal, Customer, Person)
        .join(Customer, Customer.id == Deal.customer_id)
        .outerjoin(Person, Person.id == Deal.owner_id)
        .where(Deal.tenant_id == ctx.tenant.id, Deal.status == "open")
        .where(ctx.reach.customers_sql())
        .order_by(Deal.amount.desc().nulls_last(), Deal.id)
    )
    if subject is not None:
        query = query.where(Deal.owner_id == subject.id)
    rows = ctx.session.execute(query).all()
    home, rates = ctx.tenant.currency, ctx.settings.rates
    stages = []
    for stage in ctx.settings.pipeline.open_stages:
        deals = [(d, c, p) for d, c, p in rows if d.stage == stage.key]
        totals = sums(((d.currency, d.amount) for d, _, _ in deals), home)  # per currency
        stages.append(
            {
                "name": stage.name(ctx.locale),
                "deals": deals[:PIPELINE_SHOWN],
                "count": len(deals),
                "more": max(len(deals) - PIPELINE_SHOWN, 0),  # said where the list stops
                "totals": totals,
            }
        )
    # deals in several currencies: their sums apart, and in the team's at configured rates
    everything = sums(((d.currency, d.amount) for d, _, _ in rows if d.amount is not None), home)
    several = len(everything) > 1
    text = ctx.t(
        "pipeline.view",
        stages=stages,
        scope=intent.scope,
        subject=subject,
        total=len(rows),
        totals=everything if several else {},
        converted=convert(everything, home, rates, home) if several else None,
        unrated=[c for c in everything if rates.rate(c, home, home) is None],
        base=rates.base or home,
    )
    return Outcome().reply(text, private=True)


COMMAND = Command(
    key="pipeline",
    en=("pipeline",),
    zh=("漏斗",),
    parse=parse,
    handles={PipelineView: pipeline},
)
