"""The date grammar's tables: weekday and month names, day words (明天, tomorrow), parts of the
day (下午, evening), month and year parts (月底, 年初), relative words (下周, next; in 2 hours,
30分钟后), the separators between pieces, and the pattern of each piece. What a piece means,
and how a whole text is read with them, is bot/parse/dates.py.
"""

from __future__ import annotations

import re

from bot.parse.normalize import CN_NUM

NUMBER = f"(?:[0-9]+|{CN_NUM})"  # 12, 十二


class Mark:
    """A time piece without a clock of its own."""

    def __init__(self, name: str) -> None:
        self.name = name


EOD = Mark("end of the day")  # 下班, EOD: the whole of that working day
MORNING = Mark("morning")  # 上午, 明早, tomorrow morning: the working day's start
Clock = tuple[int, int, int]  # hour, minute, days to add (晚上12点 is the next midnight)

EN_WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
EN_WEEKDAY = "|".join(sorted(EN_WEEKDAYS, key=len, reverse=True))
CN_WEEKDAYS = dict(zip("一二三四五六日天1234567", (0, 1, 2, 3, 4, 5, 6, 6, 0, 1, 2, 3, 4, 5, 6)))
WEEK = "(?:周|星期|礼拜)"
CN_WEEKDAY = "([一二三四五六日天1-7])"


def weeks_on(word: str) -> int:
    """How many weeks on from this one: 下下周 2, 下周 / next 1, 上周 / last -1, 本周 0."""
    if word.startswith("下下"):
        return 2
    if word.startswith(("next", "下")):
        return 1
    return -1 if word.startswith(("last", "上")) else 0


EN_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
EN_MONTH = "|".join(sorted(EN_MONTHS, key=len, reverse=True))
ORDINAL = "(?:st|nd|rd|th)"

DAY_WORDS = {
    "today": 0,
    "今天": 0,
    "今日": 0,
    "tomorrow": 1,
    "tmrw": 1,
    "tmr": 1,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "大后天": 3,
    "yesterday": -1,
    "昨天": -1,
    "昨日": -1,
    "前天": -2,
}

MONTH_OF = r"(本|这个?|当|下个?|上个?)"


def months_on(word: str | None) -> int:
    """How many months on from this one: 下个月 1, 上个月 -1, 本月 / 这个月 / 当月 (or none) 0."""
    return 0 if not word else 1 if word.startswith("下") else -1 if word.startswith("上") else 0


YEAR_PART = {"底": (12, 31), "末": (12, 31), "初": (1, 1), "中": (6, 30)}
AM_PM = r"\s*([ap])\.?m\.?"
PERIOD = "上午|早上|早晨|中午|下午|晚上|傍晚|凌晨|早|晚"
PM_PERIODS = ("下午", "晚上", "傍晚", "晚")
PERIOD_CLOCK: dict[str, Clock | Mark] = {
    "上午": MORNING,
    "早上": MORNING,
    "早晨": MORNING,
    "早": MORNING,
    "morning": MORNING,
    "下午": (14, 0, 0),
    "afternoon": (14, 0, 0),
    "傍晚": (18, 0, 0),
    "晚上": (20, 0, 0),
    "晚": (20, 0, 0),
    "evening": (20, 0, 0),
    "night": (20, 0, 0),
}

# Words that are a day and a part of it at once: read as the two words they stand for.
SHORT = [
    (re.compile(r"今晚"), "今天晚上"),
    (re.compile(r"明晚"), "明天晚上"),
    (re.compile(r"昨晚"), "昨天晚上"),
    (re.compile(r"今早"), "今天早上"),
    (re.compile(r"明早"), "明天早上"),
    (re.compile(r"(?i)(?<![a-z])tonight(?![a-z])"), "today evening"),
    (re.compile(r"明儿个?"), "明天"),  # colloquial day words
    (re.compile(r"今儿个?"), "今天"),
    (re.compile(r"后儿个?"), "后天"),
    (re.compile(r"(?i)(?<![a-z])wk(?![a-z])"), "week"),  # next wk
    (re.compile(r"(?i)(?<![a-z])wks(?![a-z])"), "weeks"),
]
EN_NUMS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
EN_NUM = "[0-9]+|" + "|".join(sorted(EN_NUMS, key=len, reverse=True))  # 3, three, a


def en_int(word: str) -> int:
    """'3' / 'three' / 'a' → int; `word` is a match of EN_NUM."""
    return int(word) if word.isdigit() else EN_NUMS[word]


RELATIVE = re.compile(  # in 2 hours, within 48 hours, 30分钟后, 24小时内
    rf"(?:in|within)\s+({EN_NUM})\s*(hour|hr|h|minute|min)s?"
    rf"|({NUMBER}|[0-9]+|半)\s*个?\s*(小时|钟头|分钟)\s*(?:以?后|[之以]?内)"
)
SEP = re.compile(r"\s+(?:at|on)\s+|\s*,?\s*")
LEAD = re.compile(r"(?:at|on)\s+")
TRAIL = re.compile(r"[\s.,;!?。，；！？]+$")


# The pieces each reader in bot/parse/dates.py matches, in the order they are tried there.
# Dates:
DAY_WORD = r"(?:the\s+)?day\s+after\s+tomorrow|" + "|".join(sorted(DAY_WORDS, key=len)[::-1])
BARE_WEEKDAY = rf"({EN_WEEKDAY})|{WEEK}{CN_WEEKDAY}"  # fri, 周五
WEEKDAY_OF_WEEK = (  # next fri, 下周五, fri next week, next week fri
    rf"(next|this|last)\s+({EN_WEEKDAY})|(下下个?|下个?|本|这个?|上个?){WEEK}{CN_WEEKDAY}"
    rf"|({EN_WEEKDAY})\s+(next|this|last)\s+week|(next|this|last)\s+week\s+({EN_WEEKDAY})"
)
NEXT_WEEK = rf"next\s+week|(下下个?|下个?){WEEK}"
END_OF_WEEK = r"eow|end\s+of\s+(?:the\s+)?(this\s+|next\s+)?(?:work(?:ing)?\s+)?week"
IN_DAYS = (  # in 3 days, within two weeks, 3天后, 两周内, 一个礼拜内
    rf"in\s+({EN_NUM})\s+(day|week)s?|within\s+({EN_NUM})\s+(day|week)s?"
    rf"|({NUMBER}|[0-9]+)\s*个?\s*(天|日|周|星期|礼拜)\s*(?:以?后|[之以]?内)"
)
AFTER_DAYS = rf"过\s*({NUMBER}|[0-9]+)\s*个?\s*(天|日|周|星期|礼拜)"  # 过两天, 过一周
IN_MONTHS = (  # 半个月内, 两个月后, in 2 months, within a month
    rf"(半|{NUMBER}|[0-9]+)\s*个\s*月\s*(?:以?后|[之以]?内)|半\s*月\s*[之以]?内"
    rf"|(?:in|within)\s+(?:(half\s+a)|({EN_NUM}))\s+months?"
)
WEEK_WITHIN = (  # 这周内, 本周, 下周内, this week, within next week: that week's Friday
    rf"(这个?|本|下下?个?)?{WEEK}\s*[之以]?内|(?:这个?|本){WEEK}|this\s+week"
    rf"|within\s+(?:the\s+)?(this\s+|next\s+)?week"
)
WEEKEND = (  # 周末 / this weekend: Saturday; 周末前 / before the weekend: Friday
    r"(这个?|本|下下?个?)?周末\s*((?:之|以)?前)?"
    r"|(?:(before|by)\s+)?(?:the\s+)?(this\s+|next\s+)?weekend"
)
DOTTED = r"([0-9]{1,2})\.([0-9]{1,2})\s*([号日])?"  # 1.8号, 12.31 (bare: see spans.py)
EN_MONTH_MID = (  # mid-Jan, early March, late Dec, end of June, mid-month
    rf"(mid|early|late|end\s+of(?:\s+the)?)[\s-]*({EN_MONTH})\.?|mid[\s-]*month"
)
YEAR_MONTH_DAY = (  # 2026-12-31, 2026/12/31, 2026年12月31日
    rf"([0-9]{{4}})([-/.])([0-9]{{1,2}})\2([0-9]{{1,2}})"
    rf"|([0-9]{{4}})\s*年\s*({NUMBER})\s*月\s*({NUMBER})\s*[日号]"
)
MONTH_DAY = r"([0-9]{1,2})[-/]([0-9]{1,2})"  # 12-31, 12/31
CN_MONTH_DAY = rf"({NUMBER})\s*月\s*({NUMBER})\s*[日号]"  # 12月31日
EN_MONTH_DAY = (  # Dec 31, December 31st, 2026; the 31st of December
    rf"({EN_MONTH})\.?\s*([0-9]{{1,2}}){ORDINAL}?(?:(?:,\s*|\s+)([0-9]{{4}}))?"
    rf"|([0-9]{{1,2}}){ORDINAL}?\s*(?:of\s+)?({EN_MONTH})\.?(?:(?:,\s*|\s+)([0-9]{{4}}))?"
)
DAY_OF_MONTH = rf"(?:the\s+)?([0-9]{{1,2}}){ORDINAL}|{MONTH_OF}?\s*月?\s*({NUMBER})\s*[号日]"
CN_MONTH_PART = (  # 月底, 下个月初, 3月中, 月内
    rf"{MONTH_OF}?\s*月\s*(底|末|初|中)|({NUMBER})\s*月\s*(底|末|初|中)|(?:本|这个?)?月内"
)
EN_MONTH_PART = (  # end of next month, month-end, early next month
    r"eom|end\s+of\s+(?:the\s+)?(this\s+|next\s+|last\s+)?month|(this\s+|next\s+)?month[\s-]end"
    r"|(?:start|beginning)\s+of\s+(?:the\s+)?next\s+month|early\s+next\s+month"
)
PART_OF_YEAR = (  # 年底, 明年初, 年内, end of the year, early next year
    r"(今|明|去)年\s*年?\s*(底|末|初|中)|年\s*(底|末|初|中)|(?:今|本)?年内"
    r"|eoy|end\s+of\s+(?:the\s+)?(this\s+|next\s+)?year|(this\s+|next\s+)?year[\s-]end"
    r"|(?:start|beginning)\s+of\s+(?:the\s+)?next\s+year|early\s+next\s+year"
)
# Times:
CLOCK_TIME = rf"([0-9]{{1,2}})(?::([0-9]{{2}}))?(?:{AM_PM})?"  # 15:00, 3pm, 3:30 p.m.
NOON = r"noon|midday|中午"
FIRST_THING = r"first\s+thing(?:\s+in\s+the\s+morning)?|一大?早|大早上?"  # the day's start
END_OF_DAY = (  # 下班, EOD, close of business, end of the working day
    r"下班|eod|cob|close\s+of\s+business"
    r"|end\s+of\s+(?:the\s+)?(?:business\s+|work(?:ing)?\s+)?day"
)
CN_HOUR = rf"(?:({PERIOD})\s*)?({NUMBER})\s*[点时]钟?(?:(半)|({NUMBER})分?)?"  # 下午3点半
CN_COLON_TIME = rf"({PERIOD})\s*([0-9]{{1,2}}):([0-9]{{2}})"  # 下午3:30
# Parts of the day, only after a date (明天下午, fri morning):
PART_OF_DAY = (
    r"上午|早上|早晨|早|下午|傍晚|晚上|晚|(?:in\s+the\s+)?(morning|afternoon|evening|night)"
)
