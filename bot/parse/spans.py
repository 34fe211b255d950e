"""Date phrases inside longer text: a trailing "tomorrow 3pm", a deadline "by Tue" / "周五前".

Built on parse_when: a candidate span counts only when it parses as a whole.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.parse.dates import _MAX_TOKENS, _word, parse_when
from bot.parse.normalize import ascii_lower, normalize

__all__ = ["extract_deadline", "split_leading_when", "split_trailing_when"]


def _glue_ok(s: str, i: int) -> bool:
    """May a date start at s[i] inside a token? Only after CJK text or punctuation."""
    prev = s[i - 1]
    if s[i].isspace() or prev.isspace() or _word(prev):
        return False
    return not (prev in "-/.:" and i >= 2 and s[i - 2].isdigit())  # inside 2026-12-05, 15:00


def split_trailing_when(
    text: str, *, now: datetime, tz: ZoneInfo, day_start: time = time(9, 0)
) -> tuple[int, datetime] | None:
    """(start, when) for the longest date/time expression ending `text`, else None."""
    if not text:
        return None
    norm = normalize(text)
    tokens = [m.start() for m in re.finditer(r"\S+", norm)][-_MAX_TOKENS:]
    if not tokens:
        return None
    starts = set(tokens) | {i for i in range(tokens[0] + 1, len(norm)) if _glue_ok(norm, i)}
    for i in sorted(starts):
        when = parse_when(norm[i:], now=now, tz=tz, day_start=day_start)
        if when is not None:
            return i, when
    return None


_BY = re.compile(r"(?<![a-z0-9])(?:by|before)\s+")
_DEADLINE_AT = re.compile(r"(?:截止|截至)(?:到|于|日期|时间)?[\s:]*")
_BEFORE_END = re.compile(r"(?:之|以)?前\s*$")
_BEFORE = re.compile(r"(?:之|以)?前")
_STEP_EDGE = re.compile(r"^[\s,;:，；：。]+|[\s,;:，；：。]*[在于]?[\s,;:，；：。]*$")


def _step(s: str) -> str:
    return _STEP_EDGE.sub("", s)


def extract_deadline(
    text: str, *, now: datetime, tz: ZoneInfo, day_start: time = time(9, 0)
) -> tuple[str, datetime] | None:
    """(step without its deadline phrase, deadline) for "send quote by Tue" / "周五前发方案"."""
    if not text:
        return None
    norm = normalize(text)
    kw = {"now": now, "tz": tz, "day_start": day_start}
    for m in _BY.finditer(ascii_lower(norm)):
        if when := parse_when(norm[m.end() :], **kw):
            return _step(text[: m.start()]), when
    for m in _DEADLINE_AT.finditer(norm):
        rest = _BEFORE_END.sub("", norm[m.end() :])
        if when := parse_when(rest, **kw):
            return _step(text[: m.start()]), when
    end = _BEFORE_END.search(norm)
    if end and (hit := split_trailing_when(norm[: end.start()], **kw)):
        return _step(text[: hit[0]]), hit[1]
    for m in _BEFORE.finditer(norm):
        head = norm[: m.start()].strip()
        if head[:1] in ("在", "于"):
            head = head[1:]
        if head and (when := parse_when(head, **kw)):
            return _step(text[m.end() :]), when
    return None


def split_leading_when(
    text: str, *, now: datetime, tz: ZoneInfo, day_start: time = time(9, 0)
) -> tuple[datetime, int] | None:
    """(when, end) for the longest date/time expression starting `text` ("明天下午3点回电").

    The words after it must be separate from it: a space, or CJK text glued on.
    """
    norm = normalize(text)
    for end in range(min(len(norm), 40), 0, -1):
        if end < len(norm) and not (norm[end].isspace() or _glue_ok(norm, end)):
            continue
        when = parse_when(norm[:end], now=now, tz=tz, day_start=day_start)
        if when is not None:
            return when, end
    return None
