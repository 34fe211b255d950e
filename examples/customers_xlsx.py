"""Writes examples/customers.xlsx from examples/customers.csv with openpyxl (one sheet,
"Customers"; amounts and dates as Excel keeps them where they are plain): the workbook
`dealbot import examples/customers.xlsx` reads. Run it again after changing the CSV:

    .venv/bin/python examples/customers_xlsx.py
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent


def cell(text: str) -> object:
    """A plain number or an ISO day as Excel would hold it; anything else as written."""
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    return text or None


def main() -> None:
    with open(HERE / "customers.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    book = Workbook()
    sheet = book.active
    sheet.title = "Customers"
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append([cell(c) for c in row])
    for n, c in enumerate(rows[0]):
        if c == "Expected close":
            for (x,) in sheet.iter_rows(min_row=2, min_col=n + 1, max_col=n + 1):
                x.number_format = "yyyy-mm-dd"
    book.properties.created = book.properties.modified = datetime(2026, 12, 7)  # not today
    book.save(HERE / "customers.xlsx")


if __name__ == "__main__":
    main()
