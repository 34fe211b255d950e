"""/link [#channel] <customer> (/关联): a chat shared with a customer is bound to it; the
customer's questions asked there are then tracked (bot/commands/channel_talk.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.commands.command import Command
from bot.context import Context
from bot.customers import find
from bot.grammar.line import Fail, Line
from bot.intents import CustomerRef, Intent
from bot.lexer import Token
from bot.outcome import Outcome
from storage.models import CustomerChannel


@dataclass(frozen=True, kw_only=True)
class Link(Intent):
    customer: CustomerRef
    channel: str | None  # a channel token (#general, <#C123>) or None for this channel


def parse(line: Line, tokens: list[Token]) -> Link:
    channel = None
    if tokens and tokens[0].text.startswith("#"):  # `#<channel id>`: the edge's neutral form
        channel, tokens = tokens[0].text, tokens[1:]
    customer, rest = line.customer(tokens)
    if rest:
        raise Fail("bad_link", "link", text=line.words(rest))
    return Link(customer=customer, channel=channel)


def link(ctx: Context, intent: Link) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True)
    channel = (intent.channel or "").removeprefix("#") or ctx.event.channel_id
    row = ctx.session.scalar(
        select(CustomerChannel).where(
            CustomerChannel.tenant_id == ctx.tenant.id,
            CustomerChannel.platform == ctx.event.platform,
            CustomerChannel.channel_id == channel,
        )
    )
    if row is None:
        row = CustomerChannel(
            tenant_id=ctx.tenant.id,
            platform=ctx.event.platform,
            channel_id=channel,
            customer_id=customer.id,
        )
        ctx.session.add(row)
    row.customer_id = customer.id
    return Outcome().reply(
        ctx.t("admin.linked", customer=customer, channel=channel, created=created)
    )


COMMAND = Command(
    key="link",
    en=("link",),
    zh=("关联",),
    parse=parse,
    handles={Link: link},
)
