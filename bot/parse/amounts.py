"""Money amounts (120k, ¥12万, $1.2m) and durations (90m, 1h30, 一个半小时) in chat text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from bot.parse.normalize import CN_NUM, ascii_lower, cn_int, normalize

__all__ = ["Amount", "format_amount", "parse_amount", "parse_duration"]


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str | None  # "CNY", "USD", "EUR", "GBP" or None when the text does not say


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
}
_UNIT = {"k": 1000, "m": 10**6, "w": 10**4, "万": 10**4, "亿": 10**8, "千": 1000}
_CNY_UNITS = ("w", "万", "亿", "千")  # only ever used for yuan
_CODE = "usd|rmb|cny|eur|gbp"
_AMOUNT = re.compile(
    rf"(?P<pre>us\$|[$¥€£]|{_CODE})?\s*"
    r"(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)\s*"
    r"(?P<unit>[kmw万亿千])?\s*"
    rf"(?P<post>块钱|人民币|美元|美金|欧元|英镑|[元块]|{_CODE})?"
)


def _tidy(d: Decimal) -> Decimal:
    """Decimal("1.2") * 10**6 is Decimal("1200000.0"); keep integers integral."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def parse_amount(text: str) -> Amount | None:
    """`text` as a whole is a money amount, else None."""
    if not text:
        return None
    m = _AMOUNT.fullmatch(ascii_lower(normalize(text)).strip())
    if not m:
        return None
    pre, post = _CURRENCY.get(m["pre"] or ""), _CURRENCY.get(m["post"] or "")
    if pre and post and pre != post:
        return None  # "$120k RMB"
    unit = m["unit"]
    currency = pre or post or ("CNY" if unit in _CNY_UNITS else None)
    try:
        value = _tidy(Decimal(m["num"].replace(",", "")) * _UNIT.get(unit or "", 1))
    except InvalidOperation:
        return None  # more digits than Decimal's context keeps
    return Amount(value, currency)


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
