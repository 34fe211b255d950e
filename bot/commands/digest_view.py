"""/digest (/日报): what needs attention now — stale deals, overdue follow-ups, unanswered
questions, pending confirmations — the same digest managers get each morning."""

from __future__ import annotations

from dataclasses import dataclass

from bot import digest as digest_mod
from bot import digest_process
from bot.commands.command import Command
from bot.context import Context
from bot.grammar.line import Line
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Outcome


@dataclass(frozen=True, kw_only=True)
class DigestView(Intent):
    pass


def parse(line: Line, tokens: list[Token]) -> DigestView:
    return DigestView()


def digest(ctx: Context, intent: DigestView) -> Outcome:
    calendar = ctx.settings.calendar_for(ctx.tenant.timezone)  # the tenant's working days
    result = digest_mod.build(
        ctx.session,
        tenant_id=ctx.tenant.id,
        reach=ctx.reach,
        now=ctx.now,
        pipeline=ctx.settings.pipeline,
        calendar=calendar,
        tz=ctx.tz,
    )
    process = digest_process.gather(
        ctx.session,
        tenant=ctx.tenant,
        reach=ctx.reach,
        now=ctx.now,
        pipeline=ctx.settings.pipeline,
        calendar=calendar,
        tz=ctx.tz,
    )
    result.more_below = bool(process)
    text = digest_process.appended(ctx.t("views.digest", digest=result), process, ctx.t)
    return Outcome().reply(text, private=True)


COMMAND = Command(
    key="digest",
    en=("digest",),
    zh=("日报",),
    parse=parse,
    handles={DigestView: digest},
)
