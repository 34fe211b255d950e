"""Money amounts (120k, ¥12万, $1.2m) and durations (90m, 1h30, 一个半小时) in chat text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from bot.parse.normalize import CN_NUM, ascii_lower, cn_int, normalize

__all__ = [
    "MAX_AMOUNT",
    "Amount",
    "format_amount",
    "out_of_range",
    "parse_amount",
    "parse_duration",
]

MAX_AMOUNT = Decimal(10**12)
"""The largest amount a deal or a target can have (one trillion); cents are the finest unit."""


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str | None  # "CNY", "USD", "EUR", "GBP" or None when the text does not say
    approx: bool = False  # "20万左右", "约50万", "~120k", "about 120k"
    tax: str | None = None  # the tax note as written after it: 含税, 不含税, incl. tax, excl. VAT


_CURRENCY = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "美元": "USD",
    "美金": "USD",
    "¥": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "元": "CNY",
    "块": "CNY",
    "块钱": "CNY",
    "人民币": "CNY",
    "€": "EUR",
    "eur": "EUR",
    "欧元": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "英镑": "GBP",
    "dollar": "USD",
    "dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "yuan": "CNY",
}
_UNIT = {
    "k": 1000,
    "m": 10**6,
    "w": 10**4,
    "万": 10**4,
    "亿": 10**8,
    "千": 1000,
    "thousand": 1000,
    "million": 10**6,
    "mn": 10**6,
    "billion": 10**9,
    "bn": 10**9,
}
_CNY_UNITS = ("w", "万", "亿", "千")  # only ever used for yuan
_CODE = "usd|rmb|cny|eur|gbp"
_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_UNITS = "十百千万亿"
_CN = f"[0-9.{_CN_DIGITS}{_CN_UNITS}]"
# The tax note people add after an amount, kept with the deal as written (28万（含税）,
# 120k excl. VAT); read on ASCII-lowered text.
_TAX_WORD = r"(?:tax(?:es)?|vat|gst)"
TAX_NOTE = (
    r"不含增值税|含增值税|不含税|未含税|未税|含税|税前|税后"
    rf"|(?:incl|excl|inc|exc)\.?\s*{_TAX_WORD}|(?:including|excluding|plus)\s+{_TAX_WORD}"
    rf"|\+\s*{_TAX_WORD}|ex\.?\s+vat|{_TAX_WORD}\s+(?:included|excluded|incl\.?|excl\.?)"
)
_AMOUNT = re.compile(
    r"(?P<about>approximately|approx\.?|about|around|大约|大概|约|~)?\s*"
    rf"(?P<pre>us\$|[$¥€£]|人民币|{_CODE})?\s*"
    r"(?:(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)\s*"
    r"(?P<unit>thousand|million|billion|mn|bn|[kmw万亿千])?"
    rf"|(?P<cn>{_CN}*[{_CN_DIGITS}{_CN_UNITS}]{_CN}*))\s*"  # 一百万, 3百万, 两万五, 十万
    r"(?P<post>块钱|人民币|美元|美金|欧元|英镑|[元块]|dollars?|euros?|yuan"
    rf"|{_CODE})?\s*"
    r"整?\s*"  # 三十万整, 28万元整: "and no more", said on contracts
    r"(?P<around>左右)?\s*"
    rf"(?:[,;]?\s*(?P<tax>{TAX_NOTE})|\(\s*(?P<taxp>{TAX_NOTE})\s*\))?"
)


def _tidy(d: Decimal) -> Decimal:
    """Decimal("1.2") * 10**6 is Decimal("1200000.0"); keep integers integral."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def _read(text: str | None) -> Amount | None:
    """`text` as a whole written as a money amount, whatever its size."""
    if not text:
        return None
    raw = normalize(text)
    lead = len(raw) - len(raw.lstrip())
    m = _AMOUNT.fullmatch(ascii_lower(raw).strip())
    if not m:
        return None
    group = "tax" if m["tax"] is not None else "taxp"
    tax = text[m.start(group) + lead : m.end(group) + lead][:40] if m[group] else None
    pre, post = _CURRENCY.get(m["pre"] or ""), _CURRENCY.get(m["post"] or "")
    if pre and post and pre != post:
        return None  # "$120k RMB"
    approx = bool(m["about"] or m["around"])
    try:
        if m["cn"] is not None:
            if not (pre or post) and not any(u in m["cn"] for u in "百千万亿"):
                return None  # "五十", "三" alone are words of a title more often than money
            value = _cn_value(m["cn"])
            currency = pre or post or "CNY"
        else:
            unit = m["unit"]
            value = Decimal(m["num"].replace(",", "")) * _UNIT.get(unit or "", 1)
            currency = pre or post or ("CNY" if unit in _CNY_UNITS else None)
        return None if value is None else Amount(_tidy(value), currency, approx, tax)
    except InvalidOperation:
        return Amount(MAX_AMOUNT * 10, None)  # more digits than Decimal's context keeps


def _fits(value: Decimal) -> bool:
    """At most MAX_AMOUNT, and no finer than cents (what the store keeps, exactly)."""
    return value <= MAX_AMOUNT and value == value.quantize(Decimal("0.01"))


def parse_amount(text: str | None) -> Amount | None:
    """`text` as a whole is a money amount a deal can have, else None (see out_of_range)."""
    amount = _read(text)
    return amount if amount is not None and _fits(amount.value) else None


def out_of_range(text: str | None) -> bool:
    """`text` is written as an amount, but one no deal has: above 10^12 or finer than cents."""
    amount = _read(text)
    return amount is not None and not _fits(amount.value)


_SMALL = {"十": 10, "百": 100, "千": 1000}
_BIG_ORDERS = {"", "万", "亿", "亿万", "万亿", "万亿万"}  # 一万亿, 三亿五千万; never 万万
_WORD = re.compile(r"[0-9]+(?:\.[0-9]+)?|.")


def _cn_value(s: str) -> Decimal | None:
    """一百万, 1百万, 五十万, 八千, 两万五 (25000), 一千零五, 三亿五千万 → the number, else None."""
    total = section = Decimal(0)
    number: Decimal | None = None
    small: int | None = None  # the last of 十百千 in this section: they must come in order
    last_unit, zero, bigs = 0, False, ""
    for w in _WORD.findall(s):
        if w[0].isdigit() or (w in _CN_DIGITS and w not in "零〇"):
            if number is not None:
                return None  # "一二", "1一": two numbers in a row
            number = Decimal(w) if w[0].isdigit() else Decimal(cn_int(w))
        elif w in "零〇":
            if number is not None or not last_unit:
                return None
            zero = True  # 一千零五: a gap, then the ones
        elif w in _SMALL:
            unit = _SMALL[w]
            if small is not None and unit >= small:
                return None  # "十百", "千千"
            if number is None and (w != "十" or section or zero):
                return None  # "百万" without a number; 十 alone is 一十
            section += (number if number is not None else 1) * unit
            number, small, last_unit, zero = None, unit, unit, False
        elif w in "万亿":
            bigs += w
            if bigs not in _BIG_ORDERS:
                return None
            part = section + (number or 0)
            if w == "万":
                if not part:
                    return None  # "万", "亿万"
                total += part * 10**4
            else:
                total = (total + part) * 10**8
                if not total:
                    return None
            section, number, small, zero = Decimal(0), None, None, False
            last_unit = 10**4 if w == "万" else 10**8
        else:
            return None  # a stray "."
    if zero and number is None:
        return None  # "五千零"
    if number is not None and last_unit >= 100 and not zero:
        if number >= 10 or number != number.to_integral_value():
            return None  # "两万15": not a way to write a number
        number *= last_unit // 10  # 两万五 is 25000, 一千二 is 1200: the next unit down
    return total + section + (number or 0)


_NUM = rf"[0-9]+(?:\.[0-9]+)?|{CN_NUM}"
_H = r"(?:hours?|hrs?|h)"
_M = r"(?:minutes?|mins?|m)"
_DURATIONS = (
    re.compile(rf"(?P<h>[0-9]+(?:\.[0-9]+)?)\s*{_H}(?:\s*(?P<m>[0-9]+)\s*{_M}?)?"),
    re.compile(rf"(?P<m>[0-9]+)\s*{_M}"),
    re.compile(rf"(?:(?P<h>{_NUM})\s*个?)?(?P<half>半)?个?(?:小时|钟头)(?:(?P<m>{_NUM})分钟?)?"),
    re.compile(rf"(?P<m>{_NUM})\s*分钟?"),
)


def _number(s: str) -> Decimal:
    return Decimal(s) if s.isascii() else Decimal(cn_int(s))


def parse_duration(text: str) -> timedelta | None:
    """`text` as a whole is a duration of more than 0 and at most 24 hours, else None."""
    if not text:
        return None
    s = ascii_lower(normalize(text)).strip()
    for rx in _DURATIONS:
        m = rx.fullmatch(s)
        if not m:
            continue
        groups = m.groupdict()
        h, mi, half = groups.get("h"), groups.get("m"), groups.get("half")
        if h is None and mi is None and half is None:
            return None  # "小时" alone
        if mi is not None and ("." in mi or (h is not None and (half or "." in h))):
            return None  # "1.5h30", "1.5m"
        try:
            minutes = _number(h or "0") * 60 + (30 if half else 0) + _number(mi or "0")
        except InvalidOperation:
            return None
        if h is not None and mi is not None and _number(mi) >= 60:
            return None
        seconds = minutes * 60
        if seconds != seconds.to_integral_value() or not 0 < seconds <= 86400:
            return None
        return timedelta(seconds=int(seconds))
    return None


_SYMBOL = {"USD": "$", "CNY": "¥", "EUR": "€", "GBP": "£"}


def _plain(d: Decimal, group: bool) -> str:
    s = f"{d:,f}" if group else f"{d:f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def format_amount(value: Decimal, currency: str, locale: str) -> str:
    """$120,000 / ¥500,000 / 50万元 / 120,000 X: the way a reader of `locale` writes money."""
    value = Decimal(value)
    sign, v = ("-" if value < 0 else ""), abs(value)
    if currency == "CNY" and (locale or "").lower().startswith("zh"):
        if v >= 10**8:
            return f"{sign}{_plain(v / 10**8, False)}亿元"
        if v >= 10**4:
            return f"{sign}{_plain(v / 10**4, False)}万元"
        return f"{sign}{_plain(v, True)}元"
    if currency in _SYMBOL:
        return f"{sign}{_SYMBOL[currency]}{_plain(v, True)}"
    return f"{sign}{_plain(v, True)} {currency}".rstrip()
