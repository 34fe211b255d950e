"""One cell read as what its column holds — a name, a list of aliases, an amount, a currency,
a day, an email, a phone — or `Bad` with the reason, worded in messages/<locale>/sheets.j2.
The chat's own readers do the reading (bot/parse/amounts.py, bot/parse/dates.py,
bot/contacts.py, storage/names.py), so a cell means what the same words mean in chat."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from bot import contacts
from bot.parse.amounts import Amount, out_of_range, parse_amount
from bot.parse.dates import DateError, When, day_start_in, read_when
from bot.parse.normalize import normalize
from bot.pipeline import Pipeline, Stage
from bot.sheets.columns import STAGE_SYNONYMS, header_key
from bot.sheets.read import Cell
from storage.names import clean

# what each text column may hold, as storage/models.py declares it
LIMITS = {
    "customer": 200,
    "aliases": 200,  # each alias
    "owner": 200,
    "external_id": 100,
    "deal": 300,
    "contact": 200,
    "title": 200,
    "email": 200,
    "phone": 50,
    "tax_note": 40,
}
# what a spreadsheet runs as a formula; the export writes such text after a ' (CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_REF = re.compile(r"[Dd]\s*(\d{1,12})")
_ALIAS_SPLIT = re.compile(r"[;；,，、|\n]+")
# 2027-01-15, 2027/1/15, 2027.1.15, 2027年1月15日, with a time after it or not (Excel's CSVs)
_YMD = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_CODE = re.compile(r"[A-Za-z]{3}")
_CODE_WORDS = {"RMB": "CNY"}


class Bad(Exception):
    """A cell that cannot be read as its column's kind: `reason` and its `params`."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def shown(cell: Cell) -> str:
    """A cell as the report quotes it."""
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ", timespec="minutes").removesuffix(" 00:00")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def text(cell: Cell, column: str) -> str | None:
    """A cell as plain text, cleaned as everything typed in chat is (storage.names.clean):
    no control or invisible characters, spaces collapsed; None when empty. A ' before what a
    spreadsheet would run as a formula (+1 555 0100, =x) is how the export and Excel's users
    keep it text: the text is what follows it."""
    if cell is None:
        return None
    raw = shown(cell)
    if _quoted(cell):
        raw = raw[1:]
    words = " ".join(clean(raw).split())
    if not words:
        return None
    limit = LIMITS.get(column)
    if limit is not None and len(words) > limit:
        raise Bad("too_long", limit=limit)
    return words


def _quoted(cell: Cell) -> bool:
    return isinstance(cell, str) and cell.startswith("'") and cell[1:2] in FORMULA_STARTS


def name(cell: Cell, column: str) -> str | None:
    """A name (customer, deal, contact): text that is not a formula's text. A cell starting
    with = is what a formula looks like in a CSV; taken as a name, it would run as one in the
    spreadsheet of whoever exports it later. Written after a ' (as the export writes such a
    name, and as Excel's users write text that must stay text), it is that text."""
    words = text(cell, column)
    if words is not None and words.startswith("=") and not _quoted(cell):
        raise Bad("formula_text")
    return words


def deal_ref(cell: Cell) -> int | None:
    """The export's reference to a deal (D12); anything else in that column is not read."""
    m = _REF.fullmatch(shown(cell).strip())
    return int(m[1]) if m else None


def aliases(cell: Cell) -> list[str]:
    """Several names in one cell: split on ; , 、 | (either width) and new lines."""
    found: list[str] = []
    for piece in _ALIAS_SPLIT.split(shown(cell)):
        if (alias := name(piece, "aliases")) is not None and alias not in found:
            found.append(alias)
    return found


def amount(cell: Cell) -> Amount | None:
    """A number written by Excel, or money as chat reads it: 50万, ¥1,200,000, 120k, $1.2m."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, bool):
        raise Bad("bad_amount")
    if isinstance(cell, int | float | Decimal):
        try:
            value = Decimal(repr(cell)) if isinstance(cell, float) else Decimal(cell)
        except InvalidOperation:
            raise Bad("bad_amount") from None
        if not value.is_finite() or value < 0:
            raise Bad("bad_amount")
        written = parse_amount(f"{value:f}")
        if written is None:
            raise Bad("amount_out_of_range")
        return written
    words = text(cell, "amount") or ""
    found = parse_amount(words) or parse_amount(normalize(words).replace(" ", ""))
    if found is not None:
        return found
    if out_of_range(words) or out_of_range(normalize(words).replace(" ", "")):
        raise Bad("amount_out_of_range")
    raise Bad("bad_amount")


def currency(cell: Cell) -> str | None:
    """A currency: a three-letter code (USD, CNY, RMB) or its name (人民币, 美元, euro)."""
    words = text(cell, "currency")
    if words is None:
        return None
    if _CODE.fullmatch(words):
        code = words.upper()
        return _CODE_WORDS.get(code, code)
    # the names chat knows after an amount ("1 美元"): one table of currency words, not two
    found = parse_amount(f"1 {words}")
    if found is None or found.currency is None:
        raise Bad("bad_currency")
    return found.currency


def day(cell: Cell, *, now: datetime, tz: ZoneInfo) -> date | None:
    """A day: a date cell, 2027-01-15, 2027/1/15, 2027年1月15日, or what chat reads as a day
    (Jan 15 2027, 1月15日 — a date without its year is the next one to come, as in chat)."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    words = text(cell, "expected_close") or ""
    m = _YMD.fullmatch(normalize(words).strip())
    try:
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        when = read_when(words, now=now, tz=tz)
    except (ValueError, DateError):
        raise Bad("bad_date") from None
    if when is None:
        raise Bad("bad_date")
    return when.at.astimezone(tz).date()


def close_moment(day_: date, tz: ZoneInfo, day_start: time) -> datetime:
    """How a deal's expected close is kept (as `/deal … close 2027-01-15` keeps it): the
    start of that working day in the tenant's zone."""
    return When(day_start_in(day_, tz), all_day=True).moment(day_start)


def stage(cell: Cell, pipeline: Pipeline) -> Stage | None:
    """A stage of the configured pipeline by its key or a name in either language (an
    unambiguous start of one, as in chat), else the name the common CRMs give it."""
    words = text(cell, "stage")
    if words is None:
        return None
    found = pipeline.find(normalize(words))
    if found is not None:
        return found
    key = STAGE_SYNONYMS.get(" ".join(normalize(words).casefold().split()))
    if key is None:
        key = STAGE_SYNONYMS.get(header_key(words))
    keys = {s.key for s in pipeline.stages}
    if key is not None and key in keys:
        return pipeline.get(key)
    raise Bad("unknown_stage", stages=pipeline.stages)


def email(cell: Cell) -> str | None:
    words = text(cell, "email")
    if words is not None and not contacts.is_email(words):
        raise Bad("bad_email")
    return words


def phone(cell: Cell) -> str | None:
    words = text(cell, "phone")
    if words is not None and not contacts.phone_ok(words):
        raise Bad("bad_phone")
    return words
