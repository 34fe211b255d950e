"""What /approval (/审批) lines ask for: a request's deal and terms (a quote, a discount or
both, then why), or what to do with an approval (A3 approve | reject | ask | reply). Lines that
cannot be read become an ask-back with the right form, never a guess."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.grammar.line import Line
from bot.intents import CustomerRef, Intent
from bot.lexer import Token, is_ref, ref_id
from bot.parse.amounts import Amount, parse_amount
from bot.parse.discounts import parse_discount


@dataclass(frozen=True, kw_only=True)
class ApprovalRequest(Intent):
    customer: CustomerRef | None  # None: the deal was named by its id alone (D12)
    deal_ref: int | None
    amount: Amount | None
    discount: Decimal | None
    reason: str


@dataclass(frozen=True, kw_only=True)
class ApprovalAct(Intent):
    approval_id: int
    verb: str  # show approve reject ask reply
    text: str = ""


@dataclass(frozen=True, kw_only=True)
class ApprovalAskBack(Intent):
    """A line that cannot be read as written: answered with the right form, nothing saved."""

    problem: str  # missing_deal missing_terms bad_quote bad_discount unknown_verb missing_note
    text: str = ""
    verb: str = ""
    ref: int = 0


VERBS = {
    "approve": "approve",
    "approved": "approve",
    "ok": "approve",
    "同意": "approve",
    "批准": "approve",
    "通过": "approve",
    "reject": "reject",
    "decline": "reject",
    "驳回": "reject",
    "拒绝": "reject",
    "不同意": "reject",
    "ask": "ask",
    "提问": "ask",
    "询问": "ask",
    "reply": "reply",
    "answer": "reply",
    "回复": "reply",
    "答复": "reply",
    "回答": "reply",
}
QUOTE_WORDS = ("quote", "price", "报价", "价格", "总价")
DISCOUNT_WORDS = ("discount", "折扣", "优惠")


def _keyword(token: Token, words: tuple[str, ...]) -> str | None:
    """What follows one of `words` in the same token ("报价28万" → "28万"); "" for the word
    alone; None when the token is not one of them."""
    folded = token.folded.rstrip(":")
    for w in words:
        if folded == w:
            return ""
        if folded.startswith(w) and not w.isascii():
            return token.text[len(w) :].lstrip(":：")
    return None


def parse(line: Line, tokens: list[Token]) -> Intent:
    if not tokens:
        return ApprovalAskBack(problem="missing_deal")
    first = tokens[0].text
    if is_ref(first, "approval"):
        return _act(line, ref_id(first, "approval") or 0, tokens[1:])
    customer: CustomerRef | None = None
    if is_ref(first, "deal"):
        deal_ref, rest = ref_id(first, "deal"), tokens[1:]
    else:
        customer, rest = line.customer(tokens, verbs=QUOTE_WORDS + DISCOUNT_WORDS)
        deal_ref = None
        if rest and is_ref(rest[0].text, "deal"):
            deal_ref, rest = ref_id(rest[0].text, "deal"), rest[1:]
    amount: Amount | None = None
    discount: Decimal | None = None
    i = 0
    while i < len(rest):
        token = rest[i]
        if token.quoted:
            break
        after = _keyword(token, QUOTE_WORDS)
        if after is not None:
            words = [after] if after else []
            amount, used = _amount(line, rest[i + 1 :], words)
            if amount is None:
                return ApprovalAskBack(problem="bad_quote", text=line.from_(rest[i:]))
            i += 1 + used
            continue
        after = _keyword(token, DISCOUNT_WORDS)
        if after is not None:
            written = after or (rest[i + 1].text if i + 1 < len(rest) else "")
            discount = parse_discount(written)
            if discount is None:
                return ApprovalAskBack(problem="bad_discount", text=line.from_(rest[i:]))
            i += 1 if after else 2
            continue
        if (found := parse_discount(token.text)) is not None:
            discount, i = found, i + 1
            continue
        if i == 0 and not token.text.isdigit() and (bare := parse_amount(token.text)):
            amount, i = bare, i + 1  # /审批 D12 28万 九折: the quote without its word
            continue
        break
    if amount is None and discount is None:
        return ApprovalAskBack(problem="missing_terms", text=line.from_(rest))
    return ApprovalRequest(
        customer=customer,
        deal_ref=deal_ref,
        amount=amount,
        discount=discount,
        reason=line.from_(rest[i:]),
    )


def _amount(line: Line, tokens: list[Token], joined: list[str]) -> tuple[Amount | None, int]:
    """The quote after its word: the longest run of words read as one amount (up to four, no
    keyword among them); how many words of `tokens` it took."""
    if joined:  # 报价28万: the amount came with the word
        return parse_amount(joined[0]), 0
    for n in range(min(4, len(tokens)), 0, -1):
        run = tokens[:n]
        if any(t.quoted or _keyword(t, DISCOUNT_WORDS) is not None for t in run):
            continue
        if any(parse_discount(t.text) is not None for t in run):
            continue
        if (amount := parse_amount(line.words(run))) is not None:
            return amount, n
    return None, 0


def _act(line: Line, ref: int, rest: list[Token]) -> Intent:
    if not rest:
        return ApprovalAct(approval_id=ref, verb="show")
    verb = VERBS.get(rest[0].folded)
    if verb is None:
        return ApprovalAskBack(problem="unknown_verb", text=line.words(rest[:1]), ref=ref)
    text = line.from_(rest[1:])
    if verb != "approve" and not text:
        return ApprovalAskBack(problem="missing_note", verb=verb, ref=ref)
    return ApprovalAct(approval_id=ref, verb=verb, text=text)
