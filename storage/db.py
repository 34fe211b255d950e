"""Engines and sessions. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from storage import limits

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


# SQLite has one writer at a time. A process that must never wait long for it (the edge of
# `dealbot serve`, which stores what it acknowledges) raises a shared flag while it writes;
# a process opened with `defer_to` that flag waits (up to DEFER_LIMIT) before each write
# transaction, so the edge waits at most for one transaction already under way.
DEFER_LIMIT = 0.25


def make_engine(url: str, *, defer_to: Callable[[], bool] | None = None) -> Engine:
    limits.install()  # a value longer than its column is refused alike on both stores
    # hide_parameters: an error names the statement, never the values — what people wrote
    # stays out of exception messages, and so out of every log
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        _tune_sqlite(engine, defer_to)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _tune_sqlite(engine: Engine, defer_to: Callable[[], bool] | None = None) -> None:
    # pysqlite's own transaction handling begins lazily (DEFERRED): a read-then-write
    # transaction then fails with "database is locked" when another writer got there first.
    # Taking the write lock at BEGIN makes concurrent writers wait on busy_timeout instead.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        if defer_to is not None:
            deadline = time.monotonic() + DEFER_LIMIT
            while defer_to() and time.monotonic() < deadline:
                time.sleep(0.001)
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    # Threads of one process take turns on a Python lock, which hands over at once, instead
    # of meeting in SQLite's busy handler, which sleeps up to 100 ms between tries. Other
    # processes on the same file still wait on busy_timeout.
    turn = threading.Lock()  # not an RLock: a connection may be checked in by another thread

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, proxy):  # type: ignore[no-untyped-def]
        turn.acquire()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):  # type: ignore[no-untyped-def]
        turn.release()


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def is_current(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head


def upgrade(engine: Engine) -> None:
    """Bring any database to the newest schema (what `dealbot db upgrade` runs)."""
    command.upgrade(alembic_config(engine), "head")


def open_store(
    url: str, *, migrate: bool = True, defer_to: Callable[[], bool] | None = None
) -> sessionmaker[Session]:
    """An engine + session factory; a database that is behind is migrated first."""
    engine = make_engine(url, defer_to=defer_to)
    if migrate and not is_current(engine):
        logger.info("migrating database %s", engine.url.render_as_string(hide_password=True))
        upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)
