"""A spreadsheet someone sends (`dealbot import FILE`, /导入): bytes and a file name in, the
non-empty rows of its sheets out, each with the row number a person sees in Excel.

What it accepts: .xlsx (and .xlsm: macros are never run) and text tables (.csv, .tsv, .txt) in
UTF-8 with or without a BOM, UTF-16 with a BOM (Excel's "Unicode text") or GB18030 (what Excel
in China saves as CSV). What it refuses, early and in one line (`SheetError`, worded in
messages/<locale>/sheets.j2): a file over `Limits.max_bytes`; a zip whose parts would inflate
past `Limits.max_unzipped_bytes` or by a ratio no spreadsheet has (a zip bomb) — checked on the
zip's own directory before openpyxl parses anything (zipfile never inflates past the size an
entry declares, so the declared sizes bound the work); more rows or columns than `Limits`
allows; an old .xls; anything that is not a table.

Cells are values, never formulas: openpyxl reads the value Excel saved with a formula
(data_only=True) and never evaluates one; a formula saved without its value reads as empty.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.sheets.headers import SHEETS

Cell = str | int | float | Decimal | bool | date | datetime | None

# the kinds the import reads; a workbook's other sheets (an export's touches, tasks…) are skipped
IMPORTED_KINDS = ("customers", "deals", "contacts")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (and other old Office files)


class SheetError(Exception):
    """Why a file cannot be read, as a message key of messages/<locale>/sheets.j2 (`key`, e.g.
    "too_big") and its values (`params`); `args` is (key, params). One line when worded:
    `text(words, locale)`."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params

    def text(self, words: Any, locale: str) -> str:
        return str(words(locale, "sheets.error", code=self.key, p=self.params))


@dataclass(frozen=True)
class Limits:
    """How much a file may hold; the command line may allow more bytes than chat does."""

    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 20_000  # data rows per sheet, its header row aside
    max_columns: int = 200
    max_sheets: int = 50
    # what the parts of an .xlsx may inflate to, in all, and by how much a large part may
    # grow: spreadsheet XML packs 5 to 30 times; a zip bomb packs thousands of times
    max_unzipped_bytes: int = 150 * 1024 * 1024
    max_ratio: int = 200
    ratio_from_bytes: int = 1024 * 1024  # small parts may pack tighter: they cost nothing
    max_parts: int = 2_000


@dataclass(frozen=True)
class Row:
    number: int  # as Excel shows it (1 is the first row), or a CSV's record number
    cells: tuple[Cell, ...]


@dataclass
class Sheet:
    title: str  # "" for a CSV
    rows: list[Row] = field(default_factory=list)  # non-empty rows only, the header among them


@dataclass
class Workbook:
    name: str  # the file's name, as the report says it
    sheets: list[Sheet] = field(default_factory=list)


def read_table(data: bytes, name: str, *, limits: Limits | None = None) -> Workbook:
    """The sheets of the file `name` holding `data` that the import reads: in an .xlsx, those
    titled like an export's Customers / Deals / Contacts (in either language), else the first
    one; a text table is one sheet. Raises SheetError."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise SheetError("too_big", size=len(data), limit=limits.max_bytes)
    if not data.strip():
        raise SheetError("empty", name=name)
    lower = name.lower()
    if data.startswith(ZIP_MAGIC):
        return Workbook(name, _xlsx(data, limits))
    if data.startswith(OLE_MAGIC) or lower.endswith(".xls"):
        raise SheetError("old_xls", name=name)
    if lower.endswith(XLSX_SUFFIXES):
        raise SheetError("not_xlsx", name=name)
    if "." in name.rsplit("/", 1)[-1] and not lower.endswith(TEXT_SUFFIXES):
        raise SheetError("unsupported", name=name)
    return Workbook(name, [_text_table(data, limits)])


# --- text tables ------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """UTF-8 (a BOM or not), UTF-16 with its BOM, else GB18030 — the encodings Excel writes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SheetError("encoding") from None
    if b"\x00" in data:  # no text table holds NUL: this is some other binary file
        raise SheetError("not_a_table")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SheetError("encoding") from None


def _dialect(text: str) -> str:
    """The delimiter: the one of , ; tab that splits the first line into the most columns."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _text_table(data: bytes, limits: Limits) -> Sheet:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text), strict=False)
    sheet = Sheet("")
    try:
        for number, record in enumerate(reader, 1):
            _add(sheet, number, [cell.strip() or None for cell in record], limits)
    except csv.Error as e:  # a field over csv's size limit, a stray quote in strict places
        raise SheetError("malformed", reason=str(e)[:120]) from None
    return sheet


def _add(sheet: Sheet, number: int, cells: list[Cell], limits: Limits) -> None:
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    if not cells or all(c is None or c == "" for c in cells):
        return
    if len(cells) > limits.max_columns:
        raise SheetError("too_many_columns", row=number, limit=limits.max_columns)
    if len(sheet.rows) > limits.max_rows:  # the header row and max_rows rows below it
        raise SheetError("too_many_rows", sheet=sheet.title, limit=limits.max_rows)
    sheet.rows.append(Row(number, tuple(cells)))


# --- .xlsx ------------------------------------------------------------------------------------


def _check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a zip bomb before anything inflates: sizes come from the zip's directory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise SheetError("not_xlsx_zip") from None
    if len(parts) > limits.max_parts:
        raise SheetError("bomb")
    total = 0
    for part in parts:
        total += part.file_size
        packed = max(part.compress_size, 1)
        if part.file_size > limits.ratio_from_bytes and part.file_size / packed > limits.max_ratio:
            raise SheetError("bomb")
    if total > limits.max_unzipped_bytes:
        raise SheetError("bomb")


def sheet_kinds() -> dict[str, str]:
    """Sheet title (casefolded, either language) → the kind it holds, for the kinds imported."""
    return {title.casefold(): kind for kind in IMPORTED_KINDS for title in SHEETS[kind].values()}


def _xlsx(data: bytes, limits: Limits) -> list[Sheet]:
    _check_zip(data, limits)
    from openpyxl import load_workbook  # loaded when a workbook comes: it takes a moment

    try:
        with warnings.catch_warnings():  # "no default style" and the like: nothing to act on
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SheetError:
        raise
    except Exception as e:  # noqa: BLE001 - openpyxl fails on broken parts with any error
        raise SheetError("malformed", reason=_reason(e)) from None
    try:
        worksheets = [ws for ws in book.worksheets if hasattr(ws, "reset_dimensions")]
        if len(worksheets) > limits.max_sheets:
            raise SheetError("too_many_sheets", limit=limits.max_sheets)
        if not worksheets:
            raise SheetError("no_sheet")
        kinds = sheet_kinds()
        chosen = [ws for ws in worksheets if ws.title.strip().casefold() in kinds]
        return [_worksheet(ws, limits) for ws in chosen or worksheets[:1]]
    finally:
        book.close()


def _worksheet(ws: Any, limits: Limits) -> Sheet:
    # a sheet's stated size may lie (or be missing): rows are read as they come, numbered
    # by their place, and stop at the limit
    ws.reset_dimensions()
    sheet = Sheet(str(ws.title))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for number, values in enumerate(_rows(ws), 1):
                _add(sheet, number, [_cell(v) for v in values], limits)
    except SheetError as e:
        e.params.setdefault("sheet", sheet.title)
        raise
    except Exception as e:  # noqa: BLE001 - a broken sheet part fails with any error
        raise SheetError("malformed", reason=_reason(e)) from None
    return sheet


def _rows(ws: Any) -> Iterator[Iterable[Any]]:
    yield from ws.iter_rows(values_only=True)


def _cell(value: Any) -> Cell:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool | int | float | Decimal | datetime | date) or value is None:
        return value
    return str(value)  # a time or a duration: text the columns will refuse by name


def _reason(e: Exception) -> str:
    """An exception as a short reason, without paths or the file's content."""
    text = re.sub(r"\s+", " ", str(e)).strip()
    name = e.__class__.__name__
    return f"{name}: {text[:100]}" if text else name
