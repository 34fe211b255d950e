"""The export's tables written as files: an Excel workbook (one sheet per kind, a bold frozen
header row, columns as wide as what they hold, real dates and numbers) or CSV (UTF-8 with a BOM,
so that Excel reads it as UTF-8; dates as ISO text).

A text cell that a spreadsheet would run as a formula (one starting with = + - @, a tab or a
carriage return: CSV injection) is written with a leading ' — in the CSV and in the workbook,
where openpyxl would otherwise store a text starting with = as a formula."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from unicodedata import east_asian_width

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.sheets.headers import SHEETS
from bot.sheets.table import DAY, MOMENT, NUMBER, Table, Value

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WIDEST = 60  # a column never gets wider than this many narrow characters
NARROWEST = 6
XLSX_CELL_CHARS = 32767  # Excel's limit for one cell
FORMATS = {
    DAY: "yyyy-mm-dd",
    MOMENT: "yyyy-mm-dd hh:mm",
    NUMBER: "#,##0.00",
}


def defused(text: str) -> str:
    """`text`, with a leading ' when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def sheet_title(kind: str, locale: str) -> str:
    titles = SHEETS[kind]
    return titles.get(locale) or titles["en"]


# --- CSV ----------------------------------------------------------------------------------------


def csv_text(value: Value) -> str:
    """One CSV cell: text defused, amounts as plain numbers, dates and times as ISO text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return defused(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def csv_bytes(table: Table, locale: str, tz: str) -> bytes:
    """One kind as CSV: a header row, then its rows; UTF-8 with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([defused(c.title(locale, tz)) for c in table.columns])
    writer.writerows([csv_text(v) for v in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def csv_zip(tables: Sequence[Table], locale: str, tz: str) -> bytes:
    """Several kinds: one CSV each, named by its sheet's title, in a zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for table in tables:
            zf.writestr(f"{sheet_title(table.kind, locale)}.csv", csv_bytes(table, locale, tz))
    return out.getvalue()


# --- xlsx ---------------------------------------------------------------------------------------


def xlsx_value(value: Value) -> Value:
    """A cell's value for openpyxl: text defused, stripped of the control characters a
    workbook cannot hold, and cut to Excel's cell size; dates and numbers as they are."""
    if not isinstance(value, str):
        return value
    if not value:
        return None  # an empty list of names: an empty cell, not an empty text
    text = defused(ILLEGAL_CHARACTERS_RE.sub("", value))
    return text if len(text) <= XLSX_CELL_CHARS else text[: XLSX_CELL_CHARS - 1] + "…"


def shown_width(value: Value) -> int:
    """How many narrow characters `value` takes on screen (a CJK character takes two), up to
    WIDEST; a text of several lines, its longest line."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    if not isinstance(value, str):
        return len(str(value))
    widest = 0
    for line in value.split("\n"):
        if line.isascii():
            widest = max(widest, len(line))
        else:
            widest = max(widest, sum(2 if east_asian_width(c) in "WF" else 1 for c in line))
        if widest >= WIDEST:
            return WIDEST
    return widest


def xlsx_bytes(tables: Sequence[Table], locale: str, tz: str) -> bytes:
    """A workbook with one sheet per table, written as a stream (write-only: 20,000 rows stay
    quick); widths are measured before the rows go out, as a stream needs them first."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(title=sheet_title(table.kind, locale))
        headers = [xlsx_value(c.title(locale, tz)) for c in table.columns]
        rows = [[xlsx_value(v) for v in row] for row in table.rows]
        for n, title in enumerate(headers):
            widest = max((shown_width(row[n]) for row in rows), default=0)
            width = max(NARROWEST, shown_width(title) + 1, widest) + 2
            sheet.column_dimensions[get_column_letter(n + 1)].width = min(width, WIDEST)
        sheet.freeze_panes = "A2"
        sheet.append([_header(sheet, h, bold) for h in headers])
        formats = [FORMATS.get(c.holds) for c in table.columns]
        for row in rows:
            sheet.append([_cell(sheet, v, f) for v, f in zip(row, formats, strict=True)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header(sheet: object, title: Value, bold: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=title)
    cell.font = bold
    return cell


def _cell(sheet: object, value: Value, number_format: str | None) -> Value | WriteOnlyCell:
    """A value with its display format (a plain value needs no cell of its own)."""
    if number_format is None or value is None:
        return value
    if number_format == FORMATS[MOMENT] and not isinstance(value, datetime):
        return value  # a whole-day deadline among moments stays a day (openpyxl formats it so)
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell
