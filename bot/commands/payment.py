"""/payment D12 30% 2027-01-10, 70% M3+30d (/回款计划 D12 30% 1月10日, 70% 验收后30天): a
deal's payment plan, its steps percentages of the deal's amount or sums, each due on a day or
a delivery milestone's done day plus days; /payment D12 alone shows the plan and what came in.
A customer's name may stand for the deal (/payment Acme …: the deal won last)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from bot import audit
from bot import payment_dues as dues
from bot import payments as pay
from bot.commands.command import Command
from bot.context import Context
from bot.grammar.line import Line
from bot.grammar.steps import dates
from bot.intents import CustomerRef, Intent
from bot.lexer import Token, is_ref, ref_id
from bot.outcome import Outcome
from bot.parse.amounts import parse_amount
from bot.parse.dates import read_when
from bot.parse.normalize import CN_NUM, ascii_lower, cn_int, normalize
from bot.parse.spans import find_deadline
from storage.process import Milestone, Payment


@dataclass(frozen=True, kw_only=True)
class PaymentPlan(Intent):
    deal_ref: int | None
    customer: CustomerRef | None
    steps: tuple[pay.StepSpec, ...]
    rest: bool = False  # /payment D12 rest …: what is still to come in, the paid steps kept


@dataclass(frozen=True, kw_only=True)
class PaymentShow(Intent):
    deal_ref: int | None
    customer: CustomerRef | None


@dataclass(frozen=True, kw_only=True)
class PaymentAsk(Intent):
    """A line asked back: its words are payments.ask (what is missing or unread, the form)."""

    code: str
    command: str  # payment | paid
    step: str = ""
    text: str = ""


class Ask(Exception):
    def __init__(self, code: str, step: str = "") -> None:
        super().__init__(code)
        self.code, self.step = code, step


def deal_and_rest(line: Line, tokens: list[Token]) -> tuple[int | None, CustomerRef | None, list]:
    """`D12 …`, `Acme …`, `Acme D12 …`: the deal or customer a line starts with, and the rest."""
    if not tokens:
        raise Ask("missing_deal")
    if is_ref(tokens[0].text, "deal") and not line.ctx.is_customer(tokens[0].text):
        return ref_id(tokens[0].text, "deal"), None, tokens[1:]
    customer, rest = line.customer(tokens)
    if rest and is_ref(rest[0].text, "deal"):
        return ref_id(rest[0].text, "deal"), None, rest[1:]
    return None, customer, rest


REST_WORDS = frozenset(("rest", "remaining", "remainder", "剩余", "余款", "尾款"))

# steps are separated by , ， ; ； or 、 (a comma between digits is a thousands separator)
_SPLIT = re.compile(r"(?<!\d),|,(?!\d)|[;、\n]")
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d{1,2})?)\s*%\s*")
_N = rf"(?P<n>\d{{1,4}}|{CN_NUM})\s*(?:d|days?|天|日|自然日)"
_AFTER = r"(?:完成后|之后|以后|后)"
_MILESTONE = (  # each with ref (M3 or a title's words) and n (days; none: 0)
    re.compile(rf"(?P<ref>m\d+)\s*\+\s*{_N}"),  # M3+30d
    re.compile(rf"after\s+(?P<ref>.+?)\s*\+?\s*{_N}"),  # after M3 30 days
    re.compile(rf"{_N}\s+after\s+(?P<ref>.+)"),  # 30 days after go-live
    re.compile(rf"(?P<ref>.+?)\s*{_AFTER}\s*{_N}内?"),  # M3后30天, 验收后30天
    re.compile(rf"(?:after\s+)?(?P<ref>m\d+)|after\s+(?P<ref2>.+)|(?P<ref3>.+?){_AFTER}"),
)


def parse(line: Line, tokens: list[Token]) -> Intent:
    try:
        deal_ref, customer, rest = deal_and_rest(line, tokens)
        if not rest:
            return PaymentShow(deal_ref=deal_ref, customer=customer)
        remaining = rest[0].folded in REST_WORDS
        text = line.from_(rest[1:] if remaining else rest)
        steps = tuple(_step(line, part) for part in _parts(text))
        if not steps:
            raise Ask("missing_steps")
        return PaymentPlan(deal_ref=deal_ref, customer=customer, steps=steps, rest=remaining)
    except Ask as a:
        return PaymentAsk(code=a.code, command="payment", step=a.step, text=line.orig)


def _parts(text: str) -> list[str]:
    """The steps as written; a piece that does not start with an amount belongs to the one
    before it (Jan 10, 2027)."""
    out: list[str] = []
    start = 0
    for m in [*_SPLIT.finditer(normalize(text)), None]:
        end = m.start() if m else len(text)
        piece = text[start:end].strip()
        if piece and out and not _leading_amount(piece):
            out[-1] = f"{out[-1]}, {piece}"
        elif piece:
            out.append(piece)
        start = m.end() if m else len(text)
    return out


def _leading_amount(piece: str) -> tuple[Decimal | None, object, str] | None:
    """A step's amount: `30%` (the percentage), or a sum of its first words (118k, 8.4万,
    ¥36,000); with the words after it. None when it starts with neither."""
    norm = normalize(piece)
    if m := _PERCENT.match(norm):
        return Decimal(m.group(1)), None, piece[m.end() :].strip()
    words = list(re.finditer(r"\S+", norm))
    for k in range(min(len(words), 3), 0, -1):
        end = words[k - 1].end()
        if (amount := parse_amount(piece[:end])) is not None:
            return None, amount, piece[end:].strip()
    return None


def _step(line: Line, piece: str) -> pay.StepSpec:
    lead = _leading_amount(piece)
    if lead is None:
        raise Ask("bad_amount", piece)
    percent, amount, when = lead
    if percent is not None and not 0 < percent <= 100:
        raise Ask("bad_percent", piece)
    money = {"percent": percent}
    if amount is not None:
        money = {"value": amount.value, "currency": amount.currency}  # type: ignore[attr-defined]
        if amount.value <= 0:  # type: ignore[attr-defined]
            raise Ask("bad_amount", piece)
    if not when:
        raise Ask("missing_when", piece)
    day = dates(line, read_when, when)
    if day is None and (hit := dates(line, find_deadline, when)) and not hit[0].strip():
        day = hit[1]  # by Mar 31, 1月10日前, due Jan 10
    if day is not None:
        return pay.StepSpec(terms=piece, due=day.at.date(), **money)  # type: ignore[arg-type]
    low = ascii_lower(normalize(when)).strip()
    for rx in _MILESTONE:
        if m := rx.fullmatch(low):
            group = next(g for g in ("ref", "ref2", "ref3") if m.groupdict().get(g))
            words = when.strip()[m.start(group) : m.end(group)].strip()
            ref = words.upper() if re.fullmatch(r"m\d+", words, re.IGNORECASE) else words
            n = m.groupdict().get("n")
            return pay.StepSpec(
                terms=piece,
                milestone=ref,
                after_days=cn_int(n) if n else 0,
                **money,  # type: ignore[arg-type]
            )
    raise Ask("bad_when", piece)


@pay.answered
def make_plan(ctx: Context, intent: PaymentPlan) -> Outcome:
    deal, customer, others = pay.deal_for(ctx, intent.deal_ref, intent.customer)
    before = [pay.step_state(st) for st in pay.steps_of(ctx.session, deal.id, "open")]
    made = pay.plan(ctx, deal, customer, list(intent.steps), rest=intent.rest)
    audit.record(
        ctx,
        "payment.plan",
        f"deal:{deal.id}",
        customer_id=customer.id,
        before={"steps": before} if before else None,
        after={"steps": [pay.step_state(st) for st, _ in made["steps"]]},
    )
    lead = ctx.settings.payments.remind_days_before
    text = ctx.t("payments.planned", deal=deal, customer=customer, others=others, lead=lead, **made)
    return Outcome().reply(text)


@pay.answered
def show_plan(ctx: Context, intent: PaymentShow) -> Outcome:
    deal, customer, others = pay.deal_for(ctx, intent.deal_ref, intent.customer, paying=True)
    dues.release(ctx.session, ctx.tenant.id)
    steps = pay.steps_of(ctx.session, deal.id, "open", "paid")
    received = list(
        ctx.session.scalars(
            select(Payment).where(Payment.deal_id == deal.id).order_by(Payment.received_at)
        )
    )
    anchors = {
        m.id: m
        for m in ctx.session.scalars(
            select(Milestone).where(
                Milestone.id.in_([st.milestone_id for st in steps if st.milestone_id])
            )
        )
    }
    text = ctx.t(
        "payments.plan",
        deal=deal,
        customer=customer,
        others=others,
        steps=[(st, anchors.get(st.milestone_id or 0)) for st in steps],
        received=received,
        collected=sum((p.amount for p in received), pay.ZERO),
    )
    return Outcome().reply(text, private=True)


def ask(ctx: Context, intent: PaymentAsk) -> Outcome:
    text = ctx.t(
        "payments.ask", code=intent.code, command=intent.command, step=intent.step, text=intent.text
    )
    return Outcome().reply(text, private=True)


COMMAND = Command(
    key="payment",
    en=("payment",),
    zh=("回款计划", "付款计划"),
    parse=parse,
    handles={PaymentPlan: make_plan, PaymentShow: show_plan, PaymentAsk: ask},
)
