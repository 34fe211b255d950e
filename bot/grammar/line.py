"""One command line being parsed: its original and normalized text, and helpers over both."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot import intents as i
from bot.customer_words import LEGAL_FORMS
from bot.lexer import Token, reserved
from bot.parse.dates import DateError, Days, parse_when
from bot.parse.normalize import normalize
from bot.pipeline import Pipeline
from bot.worktime import WorkCalendar

DAYS = Days()  # US names, weekends off: when no team calendar is given


@dataclass(frozen=True, kw_only=True)
class ParseContext:
    now: datetime
    tz: ZoneInfo
    is_customer: Callable[[str], bool]
    pipeline: Pipeline
    day_start: time = time(9, 0)
    days: Days = DAYS  # the team's country and working days, for holiday names (国庆后)
    # which of these phrases name a known customer, asked once for all of a line's candidate
    # names (one query, not one per phrase); None: `is_customer` phrase by phrase
    customers_among: Callable[[Collection[str]], Collection[str]] | None = None

    def known_customers(self, phrases: Collection[str]) -> Collection[str]:
        if self.customers_among is not None:
            return self.customers_among(phrases)
        return {p for p in phrases if self.is_customer(p)}


def holiday_days(calendar: WorkCalendar) -> Days:
    """The team's calendar as holiday names need it: its holiday country ("CN", "US"…; "US"
    when it keeps weekends only) and its working days."""
    return Days(country=calendar.holidays or "US", working=calendar.is_working_day)


class Fail(Exception):
    def __init__(self, code: str, command: str | None = None, **params: str) -> None:
        self.error = i.ParseError(code=code, command=command, params=tuple(params.items()))


class Line:
    """One command line: the original text, its normalized twin and helpers over both.
    `names`: every command's names and aliases, casefolded → its key (bot/commands/)."""

    def __init__(
        self, text: str, command: str, ctx: ParseContext, names: Mapping[str, str]
    ) -> None:
        self.orig, self.norm, self.command, self.ctx = text, normalize(text), command, ctx
        self.names = names

    def words(self, tokens: list[Token]) -> str:
        return self.orig[tokens[0].start : tokens[-1].end].strip() if tokens else ""

    def from_(self, tokens: list[Token]) -> str:
        return self.orig[tokens[0].start :].strip() if tokens else ""

    def when(self, text: str) -> datetime | None:
        try:
            return parse_when(
                text,
                now=self.ctx.now,
                tz=self.ctx.tz,
                day_start=self.ctx.day_start,
                days=self.ctx.days,
            )
        except DateError as e:
            raise Fail("bad_date", self.command, text=e.text) from None

    def customer(
        self, tokens: list[Token], verbs: Collection[str] = ()
    ) -> tuple[i.CustomerRef, list[Token]]:
        """A quoted name, else the longest leading words naming a known customer, else one word
        — never a kind of touch, a command word or one of the command's `verbs` (`/记录 电话
        华为 …`, `/deal new Acme …`): that is asked back in the right order, unless quoted or
        already a customer's name."""
        if not tokens or tokens[0].mention or tokens[0].is_tag:
            raise Fail("missing_customer", self.command)
        first = tokens[0]
        if first.quoted:
            if not first.text:
                raise Fail("missing_customer", self.command)
            name = first.text
            return i.CustomerRef(name=name, quoted=True), tokens[1:]
        phrases = {  # the longest leading words that name a customer win
            k: self.words(tokens[:k])
            for k in range(min(6, len(tokens)), 0, -1)
            if not any(t.quoted or t.mention or t.is_tag for t in tokens[:k])
        }
        known = self.ctx.known_customers(list(phrases.values()))
        for k, phrase in phrases.items():
            if k > 1 and phrase in known:
                return self._dressed(tokens, k)
        name = self.words([first])
        kind = reserved(first.text, self.names) or ("verb" if first.folded in verbs else None)
        if kind and name not in known:
            raise Fail(
                "reserved_customer",
                self.command,
                word=name,
                kind=kind,
                fixed=self._reordered(tokens, kind, verbs),
            )
        return self._dressed(tokens, 1)

    def _dressed(self, tokens: list[Token], k: int) -> tuple[i.CustomerRef, list[Token]]:
        """The customer's name is its first `k` words and the legal forms right after them
        (`Acme Inc.`, `ACME Ltd`): part of the name, for the duplicate check to read."""
        while k < len(tokens) and not tokens[k].quoted:
            if tokens[k].folded.strip(".,") not in LEGAL_FORMS:
                break
            k += 1
        return i.CustomerRef(name=self.words(tokens[:k]).rstrip(",")), tokens[k:]

    def _reordered(self, tokens: list[Token], kind: str, verbs: Collection[str]) -> str:
        """The line with the customer first: a type or verb swapped with the word after it,
        a command word dropped; "" when the next word cannot be the customer."""
        if len(tokens) < 2:
            return ""
        word, nxt = tokens[0], tokens[1]
        if (
            nxt.mention
            or nxt.is_tag
            or (not nxt.quoted and (reserved(nxt.text, self.names) or nxt.folded in verbs))
        ):
            return ""
        o = self.orig
        if kind == "command":
            return (o[: word.start] + o[nxt.start :]).strip()
        customer, between = o[nxt.start : nxt.end], o[word.end : nxt.start]
        return (
            o[: word.start] + customer + between + o[word.start : word.end] + o[nxt.end :]
        ).strip()

    def mentions(self, tokens: list[Token]) -> list[str]:
        return [m for t in tokens if (m := t.mention)]
