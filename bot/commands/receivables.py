"""/receivables [overdue] (/应收 [逾期]): the payment steps still open on the customers within
reach — overdue first, riskiest first (open amount × days overdue), then by due day, those
waiting on a milestone last — with the totals open and overdue per currency."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot import payment_dues as dues
from bot.commands.command import Command
from bot.commands.payment import PaymentAsk
from bot.context import Context
from bot.grammar.line import Line
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Outcome

OVERDUE_WORDS = frozenset(("overdue", "late", "逾期", "超期", "过期"))


@dataclass(frozen=True, kw_only=True)
class ReceivablesView(Intent):
    overdue: bool = False


def parse(line: Line, tokens: list[Token]) -> Intent:
    if not tokens:
        return ReceivablesView()
    if len(tokens) == 1 and tokens[0].folded in OVERDUE_WORDS:
        return ReceivablesView(overdue=True)
    return PaymentAsk(code="receivables_args", command="receivables", text=line.orig)


def receivables(ctx: Context, intent: ReceivablesView) -> Outcome:
    today = ctx.now.astimezone(ZoneInfo(ctx.tz)).date()
    found = dues.open_within(
        ctx.session, ctx.tenant.id, ctx.reach, today, overdue_only=intent.overdue
    )
    text = ctx.t("payments.receivables", r=found, overdue_only=intent.overdue)
    return Outcome().reply(text, private=True)


COMMAND = Command(
    key="receivables",
    en=("receivables",),
    zh=("应收", "应收款"),
    parse=parse,
    handles={ReceivablesView: receivables},
)
