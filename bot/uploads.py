"""Which files sent to the bot are worth fetching: the rule every platform's parse applies to an
upload before (and while) it downloads it, so that a photo or a 300 MB video is never pulled
into the worker. Only spreadsheets /import can read (.xlsx, .csv, …), and only up to the import's
size limit; the import itself checks the rows (bot/sheets/read.py).

The words for each refusal are the import's (messages/<locale>/import.j2): the adapters only
put the reason in `Upload.refused`."""

from __future__ import annotations

from bot.sheets.read import TEXT_SUFFIXES, XLSX_SUFFIXES, Limits

MAX_BYTES = Limits().max_bytes  # what the import reads in chat
SPREADSHEETS = XLSX_SUFFIXES + TEXT_SUFFIXES  # .xlsx .xlsm, and .csv .tsv .txt tables

# what Upload.refused says
TOO_LARGE = "too_large"
NOT_A_SPREADSHEET = "not_a_spreadsheet"
FETCH_FAILED = "fetch_failed"


def is_spreadsheet(name: str) -> bool:
    return name.strip().lower().endswith(SPREADSHEETS)


def refusal(name: str, size: int | None, limit: int = MAX_BYTES) -> str:
    """Why a file called `name`, of `size` bytes (None: not stated), is not fetched; "" when it
    may be. The name comes first: a large photo is "not a spreadsheet", not "too large"."""
    if not is_spreadsheet(name):
        return NOT_A_SPREADSHEET
    if size is not None and size > limit:
        return TOO_LARGE
    return ""
