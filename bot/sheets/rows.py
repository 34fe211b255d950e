"""A sheet's data rows read as what an import needs: who the customer is (name, external id,
aliases, owner), and the deal and the contact the row gives, each cell read by its column
(bot/sheets/values.py). A cell that cannot be read is a Problem with its row, its column's
header and the value as written; the rest of the row is still read, so every problem of a
row is reported at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.parse.amounts import Amount
from bot.pipeline import Pipeline, Stage
from bot.sheets import values
from bot.sheets.columns import Columns
from bot.sheets.plans import Place, Problem
from bot.sheets.read import Cell, Row, Sheet

# what a sheet's title says it holds; a sheet titled otherwise is "mixed": a CRM's export of
# opportunities, each row a customer with (or without) a deal and a contact
MIXED = "mixed"
DEAL_FIELDS = ("deal", "stage", "amount", "currency", "expected_close")
CONTACT_FIELDS = ("contact", "title", "email", "phone")


@dataclass
class RowIn:
    place: Place
    kind: str  # the sheet's: customers deals contacts mixed
    customer: str | None = None
    external_id: str | None = None
    aliases: list[str] = field(default_factory=list)
    owner: str | None = None
    deal: str | None = None
    has_deal: bool = False
    stage: Stage | None = None
    amount: Amount | None = None
    currency: str | None = None
    close: date | None = None
    tax_note: str | None = None
    ref: int | None = None  # the export's D12
    contact: str | None = None
    has_contact: bool = False
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    problems: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field → its column's header
    raw: dict[str, Cell] = field(default_factory=dict)
    bad_fields: set[str] = field(default_factory=set)  # the columns with a problem

    @property
    def defines_customer(self) -> bool:
        """Its customer columns describe the customer (owner, aliases), not only name it."""
        return self.kind in ("customers", MIXED)

    def problem(self, column: str, reason: str, **params: Any) -> Problem:
        found = Problem(
            sheet=self.place.sheet,
            row=self.place.row,
            column=self.headers.get(column, column),
            value=values.shown(self.raw.get(column)),
            reason=reason,
            params=params,
        )
        self.problems.append(found)
        self.bad_fields.add(column)
        return found


@dataclass(frozen=True, kw_only=True)
class Reading:
    """What reading a cell needs beyond the cell: the pipeline, the moment, the zone."""

    pipeline: Pipeline
    now: datetime
    tz: ZoneInfo


def read_rows(
    sheet: Sheet, kind: str, columns: Columns, header_at: int, how: Reading
) -> Iterator[RowIn]:
    headers = {f: columns.titles[i] for f, i in columns.fields.items()}  # one for all rows
    for row in sheet.rows[header_at + 1 :]:
        yield read_row(row, sheet.title, kind, columns, how, headers)


def _cells(row: Row, columns: Columns) -> dict[str, Cell]:
    cells = row.cells
    return {f: cells[i] if i < len(cells) else None for f, i in columns.fields.items()}


def read_row(
    row: Row, sheet: str, kind: str, columns: Columns, how: Reading, headers: dict[str, str]
) -> RowIn:
    raw = _cells(row, columns)
    out = RowIn(place=Place(sheet, row.number), kind=kind, headers=headers, raw=raw)

    def read(column: str, reader: Callable[[Cell], Any]) -> Any:
        if column not in raw:
            return None
        try:
            return reader(raw[column])
        except values.Bad as e:
            out.problem(column, e.reason, **e.params)
            return None

    out.customer = read("customer", lambda c: values.name(c, "customer"))
    out.external_id = read("external_id", lambda c: values.text(c, "external_id"))
    out.aliases = read("aliases", values.aliases) or []
    out.owner = read("owner", lambda c: values.text(c, "owner"))
    out.deal = read("deal", lambda c: values.name(c, "deal"))
    out.stage = read("stage", lambda c: values.stage(c, how.pipeline))
    out.amount = read("amount", values.amount)
    out.currency = read("currency", values.currency)
    out.close = read("expected_close", lambda c: values.day(c, now=how.now, tz=how.tz))
    out.tax_note = read("tax_note", lambda c: values.text(c, "tax_note"))
    out.ref = read("ref", values.deal_ref)
    out.has_deal = any(_given(raw.get(f)) for f in ("deal", "stage", "amount", "expected_close"))
    out.contact = read("contact", lambda c: values.name(c, "contact"))
    out.title = read("title", lambda c: values.text(c, "title"))
    out.email = read("email", values.email)
    out.phone = read("phone", values.phone)
    out.has_contact = any(_given(raw.get(f)) for f in CONTACT_FIELDS)
    if out.customer is None and out.external_id is None and "customer" not in out.bad_fields:
        out.problem("customer", "missing_customer")
    if out.has_contact and out.contact is None and "contact" not in out.bad_fields:
        out.problem("contact", "missing_contact")
    if out.amount and out.currency and out.amount.currency not in (None, out.currency):
        out.problem("currency", "currency_conflict", written=out.amount.currency)
    return out


def _given(cell: Cell) -> bool:
    return cell is not None and cell != ""
