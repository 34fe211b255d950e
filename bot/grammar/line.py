"""One command line being parsed: its original and normalized text, and helpers over both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot import intents as i
from bot.lexer import Token
from bot.parse.dates import DateError, parse_when
from bot.parse.normalize import normalize
from bot.parse.spans import extract_deadline, split_leading_when, split_trailing_when
from bot.pipeline import Pipeline


@dataclass(frozen=True, kw_only=True)
class ParseContext:
    now: datetime
    tz: ZoneInfo
    is_customer: Callable[[str], bool]
    pipeline: Pipeline
    day_start: time = time(9, 0)


class Fail(Exception):
    def __init__(self, code: str, command: str | None = None, **params: str) -> None:
        self.error = i.ParseError(code=code, command=command, params=tuple(params.items()))


class Line:
    """One command line: the original text, its normalized twin and helpers over both."""

    def __init__(self, text: str, command: str, ctx: ParseContext) -> None:
        self.orig, self.norm, self.command, self.ctx = text, normalize(text), command, ctx

    def words(self, tokens: list[Token]) -> str:
        return self.orig[tokens[0].start : tokens[-1].end].strip() if tokens else ""

    def from_(self, tokens: list[Token]) -> str:
        return self.orig[tokens[0].start :].strip() if tokens else ""

    def when(self, text: str) -> datetime | None:
        try:
            return parse_when(text, now=self.ctx.now, tz=self.ctx.tz, day_start=self.ctx.day_start)
        except DateError as e:
            raise Fail("bad_date", self.command, text=e.text) from None

    def trailing_when(self, text: str) -> tuple[str, datetime] | None:
        try:
            hit = split_trailing_when(
                normalize(text), now=self.ctx.now, tz=self.ctx.tz, day_start=self.ctx.day_start
            )
        except DateError as e:
            raise Fail("bad_date", self.command, text=e.text) from None
        return (text[: hit[0]].strip(), hit[1]) if hit else None

    def deadline(self, text: str) -> tuple[str, datetime | None]:
        try:
            hit = extract_deadline(
                text, now=self.ctx.now, tz=self.ctx.tz, day_start=self.ctx.day_start
            )
        except DateError as e:
            raise Fail("bad_date", self.command, text=e.text) from None
        return hit if hit else (text.strip(), None)

    def loose_when(self, text: str) -> tuple[str, datetime | None]:
        """A date that ends or starts a step, without "by"/"前", is its deadline too."""
        hit = self.trailing_when(text)
        if hit and hit[0]:
            return hit
        try:
            lead = split_leading_when(
                text, now=self.ctx.now, tz=self.ctx.tz, day_start=self.ctx.day_start
            )
        except DateError as e:
            raise Fail("bad_date", self.command, text=e.text) from None
        if lead and text[lead[1] :].strip():
            return text[lead[1] :].strip(), lead[0]
        return text, None

    def customer(self, tokens: list[Token]) -> tuple[i.CustomerRef, list[Token]]:
        """A quoted name, else the longest leading words naming a known customer, else one word."""
        if not tokens or tokens[0].mention or tokens[0].is_tag:
            raise Fail("missing_customer", self.command)
        first = tokens[0]
        if first.quoted:
            if not first.text:
                raise Fail("missing_customer", self.command)
            name = first.text
            return i.CustomerRef(name=name, quoted=True), tokens[1:]
        for k in range(min(6, len(tokens)), 1, -1):
            if any(t.quoted or t.mention or t.is_tag for t in tokens[:k]):
                continue
            phrase = self.words(tokens[:k])
            if self.ctx.is_customer(phrase):
                return i.CustomerRef(name=phrase), tokens[k:]
        name = self.words([first])
        return i.CustomerRef(name=name), tokens[1:]

    def mentions(self, tokens: list[Token]) -> list[str]:
        return [m for t in tokens if (m := t.mention)]
