"""A step and its deadline, as several commands write them (/log's next step, /task,
/minutes' action items, /meeting's start): dates read in the speaker's zone, and words that
look like a date but cannot be read asked back, never replaced by a default."""

from __future__ import annotations

import re

from bot.grammar.line import Fail, Line
from bot.parse.dates import DateError, When
from bot.parse.normalize import ascii_lower, normalize
from bot.parse.spans import date_hint_span, find_deadline, find_leading, find_trailing

_STEP_EDGE = re.compile(r"^[\s,;:，；：。\-–—]+|[\s,;:，；：。\-–—]+$")


def dates(line: Line, find, text: str):  # type: ignore[no-untyped-def]
    """`find` (a reader of bot/parse) on `text` in the speaker's zone; an impossible date
    (2月30日, 25:00) is the user's error, named."""
    try:
        ctx = line.ctx
        return find(text, now=ctx.now, tz=ctx.tz, day_start=ctx.day_start, days=ctx.days)
    except DateError as e:
        raise Fail("bad_date", line.command, text=e.text) from None


def deadline(line: Line, text: str) -> tuple[str, When | None]:
    """A step and its deadline: "by Fri" / "周五前" anywhere, else a date ending or starting
    it ("call back tomorrow", "明天下午3点回电"); (the step, None) when it has no date."""
    if hit := dates(line, find_deadline, text):
        return hit
    tail = dates(line, find_trailing, text)
    if tail and text[: tail[0]].strip():
        return _STEP_EDGE.sub("", text[: tail[0]]), tail[1]
    lead = dates(line, find_leading, text)
    if lead and text[lead[1] :].strip():
        return _STEP_EDGE.sub("", text[lead[1] :]), lead[0]
    return text.strip(), None


def unread(line: Line, text: str) -> None:
    """Words that look like a date where none could be read are asked back, never replaced
    by a default: the reply quotes the whole phrase and hands back the user's own line with
    a deadline that reads in its place (`fixed`)."""
    span = date_hint_span(text)
    if span is None:
        return
    phrase = text[span[0] : span[1]]
    base = line.orig.rfind(text)
    fixed = ""
    if base >= 0:
        start, end = base + span[0], base + span[1]
        instead = _instead(line.orig[:start], phrase, start_time=line.command == "meeting")
        fixed = line.orig[:start] + instead + line.orig[end:]
    raise Fail("unread_date", line.command, text=phrase, fixed=fixed.strip())


_BY_BEFORE = re.compile(r"(?:by|before|until|till|due)\s*$|(?:截止|截至|最晚|最迟|到)\s*$")


def _instead(before: str, phrase: str, start_time: bool = False) -> str:
    """A deadline that reads, in the phrase's language: by Fri / 周五前 (Fri / 周五 after a
    marker that already says "by", or for a meeting's start)."""
    marked = start_time or _BY_BEFORE.search(ascii_lower(normalize(before)))
    if phrase.isascii():
        return "Fri" if marked else "by Fri"
    return "周五" if marked else "周五前"


# 尽快, ASAP: no date, but a wish for the next working day (shown as a guess in the reply)
_ASAP = re.compile(
    r"尽快|尽早|越快越好|(?<![a-z])(?:asap|a\.s\.a\.p\.?|as\s+soon\s+as\s+possible"
    r"|at\s+your\s+earliest(?:\s+convenience)?)(?![a-z])"
)


def asap(text: str) -> tuple[str, bool]:
    """The step without its 尽快 / ASAP, and whether it had one: "尽快发报价" → ("发报价", True)."""
    norm = ascii_lower(normalize(text))
    m = _ASAP.search(norm)
    if m is None:
        return text, False
    return _STEP_EDGE.sub("", text[: m.start()] + " " + text[m.end() :]).strip(), True


def due(when: When | None) -> dict:
    return {"due": when.at if when else None, "due_all_day": bool(when and when.all_day)}
