"""Append-only tables: rows may be added, never changed or removed through the ORM.

`protect(Model)` marks a model; a flush that would update or delete one of its rows, and an
ORM `update(Model)` / `delete(Model)` statement, raise AppendOnlyError before anything reaches
the database. (A tenant's removal still cascades in the database, as it should.)

audit_log is also append-only in the database itself, whatever writes to it: migration 0011's
trigger refuses UPDATE and DELETE there (raw SQL included), letting through only what the
schema does on its own — a tenant's removal cascading to its entries, a removed person's id
nulled as their entries' actor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

_PROTECTED: set[type[Any]] = set()


class AppendOnlyError(RuntimeError):
    """An attempt to change or remove a row of an append-only table."""


def protect(model: type[Any]) -> None:
    _PROTECTED.add(model)


def _protected(obj: object) -> bool:
    return any(isinstance(obj, model) for model in _PROTECTED)


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    for obj in session.deleted:
        if _protected(obj):
            raise AppendOnlyError(f"{type(obj).__name__} rows are append-only: not deleted")
    for obj in session.dirty:
        if _protected(obj) and session.is_modified(obj, include_collections=False):
            raise AppendOnlyError(f"{type(obj).__name__} rows are append-only: not updated")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ in _PROTECTED:
        verb = "updated" if state.is_update else "deleted"
        raise AppendOnlyError(f"{mapper.class_.__name__} rows are append-only: not {verb}")
