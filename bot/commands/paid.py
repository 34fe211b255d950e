"""/paid D12 36k [2027-01-12] (/已回款 D12 8.4万 [1月12日]): money received on a deal, applied
to its payment plan's oldest open step (a part payment is kept on it, the rest carried to the
next); audited. A customer's name may stand for the deal (the one with money still to come)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from bot import audit
from bot import payments as pay
from bot.commands.command import Command
from bot.commands.payment import Ask, PaymentAsk, deal_and_rest
from bot.context import Context
from bot.grammar.line import Line
from bot.grammar.steps import dates
from bot.intents import CustomerRef, Intent
from bot.lexer import Token
from bot.outcome import Outcome
from bot.parse.amounts import parse_amount
from bot.parse.dates import When, read_when
from bot.parse.normalize import normalize


@dataclass(frozen=True, kw_only=True)
class PaidIn(Intent):
    deal_ref: int | None
    customer: CustomerRef | None
    value: Decimal
    currency: str | None
    on: datetime | None  # the day written (its start, the writer's zone); None: now


def parse(line: Line, tokens: list[Token]) -> Intent:
    try:
        deal_ref, customer, rest = deal_and_rest(line, tokens)
        text = line.from_(rest)
        words = list(re.finditer(r"\S+", normalize(text)))
        for k in range(min(len(words), 4), 0, -1):
            end = words[k - 1].end()
            if (amount := parse_amount(text[:end])) is not None:
                break
        else:
            raise Ask("paid_amount", text)
        if amount.value <= 0:
            raise Ask("paid_amount", text)
        when = text[end:].strip()
        day = dates(line, read_when, when) if when else None
        if when and day is None:
            raise Ask("paid_when", when)
        if day is not None:
            day = _past(day, when, line.ctx.now)
        return PaidIn(
            deal_ref=deal_ref,
            customer=customer,
            value=amount.value,
            currency=amount.currency,
            on=day.at if day else None,
        )
    except Ask as a:
        return PaymentAsk(code=a.code, command="paid", step=a.step, text=line.orig)


def _past(day: When, written: str, now: datetime) -> When:
    """Money came in on a day that has been: 12月5日 written on Dec 7 is this Dec 5, not next
    year's (a date without its year reads as the next one to come). A day soon to come
    (tomorrow, Fri) stays, and is refused as not come yet."""
    if day.at - now > timedelta(days=31) and not re.search(r"\d{4}", written):
        try:
            return When(day.at.replace(year=day.at.year - 1), all_day=day.all_day)
        except ValueError:  # Feb 29
            return day
    return day


@pay.answered
def paid(ctx: Context, intent: PaidIn) -> Outcome:
    deal, customer, others = pay.deal_for(ctx, intent.deal_ref, intent.customer, paying=True)
    at = intent.on or ctx.now
    if at > ctx.now:
        raise pay.Refused("paid_later", deal=deal, at=at)
    payment, applied, still = pay.receive(ctx, deal, customer, intent.value, intent.currency, at)
    audit.record(
        ctx,
        "payment.received",
        f"payment:{payment.id}",
        customer_id=customer.id,
        deal=deal.id,
        after={
            "deal_id": deal.id,
            "amount": payment.amount,
            "currency": payment.currency,
            "received_at": payment.received_at,
            "steps": [{"id": a.step.id, "applied": a.amount} for a in applied],
        },
    )
    text = ctx.t(
        "payments.paid",
        deal=deal,
        customer=customer,
        others=others,
        payment=payment,
        applied=applied,
        still=still,
        open=sum((st.amount - st.paid for st in still), pay.ZERO),
        planned=bool(applied or still),
        dated=intent.on is not None,
    )
    return Outcome().reply(text)


COMMAND = Command(
    key="paid",
    en=("paid",),
    zh=("已回款", "回款"),
    parse=parse,
    handles={PaidIn: paid},
)
