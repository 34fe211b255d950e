"""The store's length limits, checked before the database sees a row.

PostgreSQL refuses a value longer than its VARCHAR(n) (a DataError that loses the whole
transaction); SQLite stores it silently. A `before_flush` check makes both behave the same and
names what was too long, so the handler can answer the person instead of failing: every new
object's String(n) columns, and the changed ones of every dirty object, are measured (in
characters, as PostgreSQL counts them). TooLong carries no value: never what someone wrote.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Mapper, Session, UOWTransaction

__all__ = ["TooLong", "check", "install"]


class TooLong(Exception):
    """`table.column` holds at most `limit` characters; `size` were given."""

    def __init__(self, table: str, column: str, limit: int, size: int) -> None:
        super().__init__(f"{table}.{column}: {size} characters, at most {limit}")
        self.table = table
        self.column = column
        self.limit = limit
        self.size = size


@cache
def _bounded(mapper: Mapper[Any]) -> tuple[tuple[str, str, str, int], ...]:
    """(attribute, table, column, limit) for each String(n) column of a mapped class."""
    found = []
    for attr in mapper.column_attrs:
        for column in attr.columns:
            length = getattr(column.type, "length", None)
            if isinstance(column.type, String) and length and column.table is not None:
                found.append((attr.key, column.table.name, column.name, length))
                break
    return tuple(found)


def check(session: Session, _flush: UOWTransaction | None = None, _objects: Any = None) -> None:
    """Raise TooLong for the first value in what is about to be flushed that does not fit."""
    for obj in session.new:
        state = inspect(obj)
        for key, table, column, limit in _bounded(state.mapper):
            value = state.dict.get(key)
            if isinstance(value, str) and len(value) > limit:
                raise TooLong(table, column, limit, len(value))
    for obj in session.dirty:
        state = inspect(obj)
        for key, table, column, limit in _bounded(state.mapper):
            for value in state.attrs[key].history.added or ():  # never loads anything
                if isinstance(value, str) and len(value) > limit:
                    raise TooLong(table, column, limit, len(value))


def install() -> None:
    """Check every Session's flushes (idempotent; storage/db.py calls it for each engine)."""
    if not event.contains(Session, "before_flush", check):
        event.listen(Session, "before_flush", check)
