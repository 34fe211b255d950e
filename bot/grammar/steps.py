"""A step and its deadline, as several commands write them (/log's next step, /task,
/minutes' action items, /meeting's start): dates read in the speaker's zone, and words that
look like a date but cannot be read asked back, never replaced by a default."""

from __future__ import annotations

import re

from bot.grammar.line import Fail, Line
from bot.parse.dates import DateError, When
from bot.parse.spans import date_hint, find_deadline, find_leading, find_trailing

_STEP_EDGE = re.compile(r"^[\s,;:，；：。\-–—]+|[\s,;:，；：。\-–—]+$")


def dates(line: Line, find, text: str):  # type: ignore[no-untyped-def]
    """`find` (a reader of bot/parse) on `text` in the speaker's zone; an impossible date
    (2月30日, 25:00) is the user's error, named."""
    try:
        return find(text, now=line.ctx.now, tz=line.ctx.tz, day_start=line.ctx.day_start)
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
    by a default: the reply quotes them and shows the forms that work."""
    if hint := date_hint(text):
        raise Fail("unread_date", line.command, text=hint)


def due(when: When | None) -> dict:
    return {"due": when.at if when else None, "due_all_day": bool(when and when.all_day)}
