"""One kind's rows for the export, before they become a sheet or a CSV: the columns (a field of
bot/sheets/headers.py and what its values are) and plain values, read in bulk by
bot/sheets/export_sales.py and bot/sheets/export_process.py through a `Reader`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.pipeline import Pipeline
from bot.reach import Reach
from bot.sheets.headers import header
from storage.models import Customer, Person

# what a column holds: text; a number (an amount, a percent); a count; a day; a moment, written
# in the tenant's zone (its header says which)
TEXT, NUMBER, COUNT, DAY, MOMENT = "text", "number", "count", "day", "moment"

Value = str | Decimal | int | date | datetime | None

LIST_SEPARATOR = "; "  # several names in one cell (aliases, confirmers): the import splits on it


@dataclass(frozen=True)
class Column:
    field: str  # a key of bot/sheets/headers.HEADERS
    holds: str = TEXT

    def title(self, locale: str, tz: str) -> str:
        """The header: its words, and for a moment the zone it is written in."""
        words = header(self.field, locale)
        if self.holds != MOMENT:
            return words
        return f"{words}（{tz}）" if locale == "zh_CN" else f"{words} ({tz})"


@dataclass
class Table:
    kind: str
    columns: tuple[Column, ...]
    rows: list[list[Value]] = field(default_factory=list)


@dataclass(kw_only=True)
class Reader:
    """What every kind's gatherer needs: the store, whose reach, the zone, the language."""

    session: Session
    tenant_id: int
    reach: Reach
    zone: ZoneInfo
    locale: str
    pipeline: Pipeline
    # the words of a stored value (a status, a touch's type) in `locale`: word(kind, key)
    word: Callable[[str, str], str]
    _people: dict[int, str] | None = field(default=None, init=False)

    def customers_seen(self) -> ColumnElement[bool]:
        """The customers within reach, of this tenant, as SQL on `Customer` (joined)."""
        return (Customer.tenant_id == self.tenant_id) & self.reach.customers_sql()

    def person(self, person_id: int | None) -> str | None:
        """A person's display name: the name the import matches back to that person."""
        if person_id is None:
            return None
        if self._people is None:  # one query for every name the export writes
            rows = self.session.execute(
                select(Person.id, Person.display_name).where(Person.tenant_id == self.tenant_id)
            )
            self._people = {pid: name for pid, name in rows}
        return self._people.get(person_id)

    def people(self, ids: list[str] | list[int] | None) -> str:
        """Several people (ids, as a JSON list stores them) in one cell."""
        names = (self.person(int(i)) for i in ids or ())
        return LIST_SEPARATOR.join(n for n in names if n)

    def local(self, moment: datetime | None) -> datetime | None:
        """A stored UTC moment as the tenant's wall-clock time, without a zone (a spreadsheet's
        dates have none; the header names the zone)."""
        return None if moment is None else moment.astimezone(self.zone).replace(tzinfo=None)

    def day(self, moment: datetime | None) -> date | None:
        """The tenant's day a stored moment falls on (a whole-day deadline, a day received)."""
        return None if moment is None else moment.astimezone(self.zone).date()

    def deadline(self, moment: datetime | None, all_day: bool) -> date | datetime | None:
        """A deadline as written: a whole day as that day, a typed time as that moment."""
        return self.day(moment) if all_day else self.local(moment)

    def stage(self, key: str) -> str:
        """A stage's name in `locale`, which the import finds the stage by."""
        found = next((s for s in self.pipeline.stages if s.key == key), None)
        return found.name(self.locale) if found is not None else key


def plain(model: type, *names: str) -> list[Any]:
    """Columns of `model` by name, read as rows rather than ORM objects (no identity map, no
    change tracking): 40,000 touches load in a fraction of the time, read as `row.text`."""
    return [getattr(model, name) for name in names]


def number(value: Decimal | None) -> Decimal | None:
    """An amount as stored (Numeric), normalised so 120000.00 stays a number, never text."""
    return None if value is None else Decimal(value)
