"""Date phrases inside longer text: a trailing "tomorrow 3pm", a deadline "by Tue" / "周五前",
and date_hint(): words that look like a date, to ask back about when none could be read.

Built on read_when: a candidate span counts only when it reads as a whole.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.parse.dates import _MAX_CHARS, _MAX_TOKENS, Days, When, _word, read_when
from bot.parse.normalize import ascii_lower, normalize

__all__ = [
    "date_hint",
    "date_hint_span",
    "extract_deadline",
    "find_deadline",
    "find_leading",
    "find_trailing",
    "split_leading_when",
    "split_trailing_when",
]


# a holiday's bare name: a date on its own (国庆 回访), not glued to words (中秋礼品)
_FESTIVAL = re.compile(r"\s*(?:元旦|春节|过年|清明|五一|劳动|端午|中秋|国庆)节?\s*")
_NUMERAL = "0123456789一二两三四五六七八九十几半去今明前"
# A bare month.day (12.31, 1.5) is also a number: read only as its own word, or where a date
# is expected (after by / 截止, before 前); 1.8号 always.
_BARE_DOTS = re.compile(r"[0-9]{1,2}\.[0-9]{1,2}(?![0-9]*\s*[号日])")


def _glue_ok(s: str, i: int) -> bool:
    """May a date start at s[i] inside a token? Only after CJK text or punctuation, and
    never a bare month.day (报价1.5) or 年 after a number (两年前 is no 年前)."""
    prev = s[i - 1]
    if s[i].isspace() or prev.isspace() or _word(prev):
        return False
    if _BARE_DOTS.match(s, i) or (s[i] == "年" and prev in _NUMERAL):
        return False
    return not (prev in "-/.:" and i >= 2 and s[i - 2].isdigit())  # inside 2026-12-05, 15:00


def find_trailing(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    day_start: time = time(9, 0),
    days: Days | None = None,
    dots: bool = False,
) -> tuple[int, When] | None:
    """(start, when) for the longest date/time expression ending `text`, else None. `dots`:
    a month.day glued to the words before it (发合同12.31) counts too (a date is expected)."""
    if not text:
        return None
    norm = normalize(text)
    tokens = [m.start() for m in re.finditer(r"\S+", norm)][-_MAX_TOKENS:]
    if not tokens:
        return None
    first = max(tokens[0], len(norm.rstrip()) - _MAX_CHARS)
    starts = {i for i in tokens if i >= first}
    starts |= {
        i
        for i in range(first + 1, len(norm))
        if _glue_ok(norm, i) or (dots and _BARE_DOTS.match(norm, i) and not _word(norm[i - 1]))
    }
    for i in sorted(starts):
        when = read_when(norm[i:], now=now, tz=tz, day_start=day_start, days=days)
        if when is not None:
            return i, when
    return None


def find_leading(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    day_start: time = time(9, 0),
    days: Days | None = None,
    dots: bool = False,
) -> tuple[When, int] | None:
    """(when, end) for the longest date/time expression starting `text` ("明天下午3点回电").

    The words after it must be separate from it: a space, or CJK text glued on (not after a
    bare month.day, unless `dots`: 12.31发合同 is read only where a date is expected).
    """
    norm = normalize(text)
    bare = _BARE_DOTS.match(norm.lstrip())
    for end in range(min(len(norm), _MAX_CHARS), 0, -1):
        if end < len(norm) and not (norm[end].isspace() or _glue_ok(norm, end)):
            continue
        if bare and not dots and end < len(norm) and not norm[end].isspace():
            continue
        if end < len(norm) and not norm[end].isspace() and _FESTIVAL.fullmatch(norm[:end]):
            continue  # 中秋礼品, 国庆活动: a festival's thing, not its date
        when = read_when(norm[:end], now=now, tz=tz, day_start=day_start, days=days)
        if when is not None:
            return when, end
    return None


_BY = re.compile(r"(?<![a-z0-9])(?:by|before|due(?:\s+(?:on|by))?|until|till|no\s+later\s+than)\s+")
_DEADLINE_AT = re.compile(r"(?:截止|截至)(?:到|于|日期|时间)?[\s:]*")
_BEFORE_END = re.compile(r"(?:之|以)?前\s*$")
# "…前" where the words before it can end a date (周五前, 12月31日前, 下班前, 3点前, Fri前);
# not 提前, 之前的方案
_BEFORE = re.compile(
    r"(?<=[0-9A-Za-z一二三四五六七八九十两零〇日天号月周底初末中班点时半午晚早分后内年钟旬节旦庆明秋假])\s*(?:之|以)?前"
)
_STEP_EDGE = re.compile(r"^[\s,;:，；：。]+|[\s,;:，；：。]*[在于]?[\s,;:，；：。]*$")


def _step(s: str) -> str:
    return _STEP_EDGE.sub("", s)


def _join(left: str, right: str) -> str:
    """The step around a deadline taken out of its middle: "发方案，周五前确认" → "发方案 确认"."""
    return " ".join(part for part in (_step(left), _step(right)) if part)


def find_deadline(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    day_start: time = time(9, 0),
    days: Days | None = None,
) -> tuple[str, When] | None:
    """(step without its deadline phrase, deadline) for "send quote by Tue", "周五前发方案",
    "发方案，截止12月5日", "send quote by Fri to Bob", "月底前签合同". A phrase that holds
    its own 前 / before (国庆前, 周末前, before Christmas) is read with it."""
    if not text:
        return None
    norm = normalize(text)
    kw = {"now": now, "tz": tz, "day_start": day_start, "days": days}

    def after(m: re.Match[str]) -> tuple[str, When] | None:
        """The date right after the marker `m` (or with it: before the weekend): all the
        rest, or its leading words."""
        rest = norm[m.end() :]
        if when := read_when(norm[m.start() :], **kw):
            return _step(text[: m.start()]), when
        if when := read_when(_BEFORE_END.sub("", rest), **kw):
            return _step(text[: m.start()]), when
        lead = find_leading(rest, **kw, dots=True)
        if lead and rest[lead[1] :].strip():
            return _join(text[: m.start()], text[m.end() + lead[1] :]), lead[0]
        return None

    for m in _BY.finditer(ascii_lower(norm)):
        if hit := after(m):
            return hit
    for m in _DEADLINE_AT.finditer(norm):
        if hit := after(m):
            return hit
    for m in _BEFORE.finditer(norm):
        head = norm[: m.start()].rstrip()
        own = find_trailing(norm[: m.end()], **kw)  # 国庆前, 周末前: the day before
        hit = own or (find_trailing(head, **kw, dots=True) if head else None)
        if hit:
            return _join(text[: hit[0]], text[m.end() :]), hit[1]
    return None


_NUM = r"(?:[0-9]+|[一二两三四五六七八九十]+)"
_EN_MON = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
_HINTS = re.compile(
    "|".join(
        [
            # Chinese: "…前" after a time word, numbers with date units, weekdays, date words
            r"[月年周日号天点时底初末中旬节班午晚早]\s*(?:之|以)?前",
            r"[0-9]+\s*[号日](?![楼线院门室房位码期志程常])",
            rf"{_NUM}\s*月\s*(?:{_NUM}|[底初中末份]|[上中下]旬)",
            (
                rf"{_NUM}\s*个?\s*(?:天|日|周|星期|礼拜|月|年|小时|钟头|分钟|工作日)"
                r"\s*(?:以?内|之内|以?后|之后|前|左右)"
            ),
            r"[0-9]{1,2}\s*[点时](?!间)|" + _NUM + r"\s*点\s*(?:钟|半|前)",
            r"(?:周|星期|礼拜)[一二三四五六日天1-7]",
            (
                r"今天|明天|后天|今晚|明晚|明早|今早|上午|下午|晚上|早上|中午|傍晚|凌晨|下班"
                r"|月底|月初|月中|月末|年底|年初|年末|年中|季度末|季末|季度底|本季度|下季度"
                r"|上旬|中旬|下旬|周末|节前|节后|春节|国庆|元旦|中秋|端午|清明"
                r"|本周|这周|下下?周|下下?个?月|本月|这个?月|今年|明年|月内|周内|年内"
                r"|改天|过几天|过阵子|过段时间|近期|近几天|五一|劳动节|年前|年后|放假"
                r"|截止|截至|最晚|最迟|不晚于|工作日"
            ),
            # English
            (
                r"\b(?:today|tonight|tomorrow|tmrw?|eod|eow|eom|eoq|eoy|cob|noon|midnight"
                r"|morning|afternoon|evening|weekend|christmas|xmas|thanksgiving|easter"
                r"|holidays?)\b"
            ),
            (
                r"\b(?:mon|tues?|wed|thu|thurs?|fri)\b"
                r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
            ),
            r"\b(?:january|february|april|june|july|august|september|october|november|december)\b",
            rf"\b{_EN_MON}\.?\s*[0-9]{{1,2}}(?:st|nd|rd|th)?\b",
            rf"\b[0-9]{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_EN_MON}[a-z]*\b",
            r"\b[0-9]{1,2}(?:st|nd|rd|th)\b",
            r"\b[0-9]{1,2}(?::[0-9]{2})?\s*[ap]\.?m\b|\b[0-9]{1,2}:[0-9]{2}\b",
            r"\b[0-9]{1,2}/[0-9]{1,2}\b|\b[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}\b",
            (
                r"\b(?:end|start|beginning|middle)\s+of(?:\s+(?:the\s+)?[a-z0-9]+)?\b"
                r"|\bmid-?(?:week|month|year)\b"
            ),
            r"\b(?:next|this|coming)\s+(?:week|month|quarter|year|weekend)\b",
            (
                r"\b(?:in|within)\s+(?:[0-9]+|an?|one|two|three|four|five|six|(?:a\s+)?few"
                r"|(?:a\s+)?couple(?:\s+of)?)\s+(?:business\s+|working\s+)?"
                r"(?:days?|weeks?|months?|years?|hours?)\b"
            ),
            r"\b(?:by|before|until|due)\s+q[1-4]\b",
        ]
    )
)


# what a Chinese date phrase is written with: a hint grows over them to the whole phrase
_PHRASE = set("0123456789.:/-一二两三四五六七八九十零〇几半今明后大前昨本这下上个周星期礼拜日天号")
_PHRASE |= set("月年底初末中旬点时分钟小内之以早晚午傍凌第节过儿工作")


_SIDE = re.compile(r"(?<![a-z])(?:after|before)\s+$")


def date_hint_span(text: str) -> tuple[int, int] | None:
    """(start, end) in `text` of the first words that look like a date or deadline, the
    whole phrase ("下旬前", "这周内", "end of Q1"); None when none do."""
    norm = normalize(text or "")
    m = _HINTS.search(ascii_lower(norm))
    if m is None:
        return None
    start, end = m.start(), m.end()
    if before := _BEFORE.match(norm, end):  # 下旬前: the whole deadline
        end = before.end()
    if norm[start:end].isascii():
        if side := _SIDE.search(ascii_lower(norm[:start])):  # after Christmas
            start = side.start()
    else:
        while start > 0 and norm[start - 1] in _PHRASE:
            start -= 1
        while end < len(norm) and norm[end] in _PHRASE:
            end += 1
    while start < end and norm[start].isspace():
        start += 1
    while end > start and norm[end - 1].isspace():
        end -= 1
    return start, end


def date_hint(text: str) -> str | None:
    """The first words of `text` that look like a date or deadline ("下旬前", "end of Q1",
    "by the 15th floor"…), for asking back when no date could be read; None when none do."""
    span = date_hint_span(text)
    return text[span[0] : span[1]] if span else None


# The moments of the finders above, a whole day at `day_start`: for callers that need a time.


def split_trailing_when(
    text: str, *, now: datetime, tz: ZoneInfo, day_start: time = time(9, 0)
) -> tuple[int, datetime] | None:
    """(start, when) for the longest date/time expression ending `text`, else None."""
    hit = find_trailing(text, now=now, tz=tz, day_start=day_start)
    return (hit[0], hit[1].moment(day_start)) if hit else None


def split_leading_when(
    text: str, *, now: datetime, tz: ZoneInfo, day_start: time = time(9, 0)
) -> tuple[datetime, int] | None:
    """(when, end) for the longest date/time expression starting `text`."""
    hit = find_leading(text, now=now, tz=tz, day_start=day_start)
    return (hit[0].moment(day_start), hit[1]) if hit else None


def extract_deadline(
    text: str, *, now: datetime, tz: ZoneInfo, day_start: time = time(9, 0)
) -> tuple[str, datetime] | None:
    """(step without its deadline phrase, deadline) for "send quote by Tue" / "周五前发方案"."""
    hit = find_deadline(text, now=now, tz=tz, day_start=day_start)
    return (hit[0], hit[1].moment(day_start)) if hit else None
