"""Engines and sessions. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE. Opening a store
waits for a network database that does not answer yet (`connect_retry`), and migrations on
PostgreSQL run under an advisory lock: of several instances started together, one migrates and
the others wait for it."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage import limits

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


# SQLite has one writer at a time. A process that must never wait long for it (the edge of
# `dealbot serve`, which stores what it acknowledges) raises a shared flag while it writes;
# a process opened with `defer_to` that flag waits (up to DEFER_LIMIT) before each write
# transaction, so the edge waits at most for one transaction already under way.
DEFER_LIMIT = 0.25

# pg_advisory_lock's key for migrations: the same in every dealbot, whatever its version
MIGRATION_LOCK = 0x6465616C626F7400  # "dealbot\0"
CONNECT_TIMEOUT = 10  # seconds for one connection attempt to a network database
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)  # then every 10 s
RETRY_MAX_DELAY = 10.0


class Unreachable(Exception):
    """The database could not be reached in the time allowed; the message says what and why
    in one line (the URL without its password)."""


def make_engine(url: str, *, defer_to: Callable[[], bool] | None = None) -> Engine:
    limits.install()  # a value longer than its column is refused alike on both stores
    # hide_parameters: an error names the statement, never the values — what people wrote
    # stays out of exception messages, and so out of every log
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        _tune_sqlite(engine, defer_to)
        return engine
    # a host that drops packets would otherwise hold one attempt for minutes (the OS's limit)
    given = "connect_timeout" in make_url(url).query
    timeout = {} if given else {"connect_timeout": CONNECT_TIMEOUT}
    engine = create_engine(url, hide_parameters=True, connect_args=timeout)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE = 2.0  # seconds a pooled connection may rest before it is checked on checkout


def _ping_when_idle(engine: Engine) -> None:
    """pool_pre_ping, but only for a connection that rested: a busy worker checks a connection
    out for every transaction, and a ping each time was a round trip per transaction. One that
    was just used is alive, or its failure shows on the statement, which the inbox retries; one
    that rested may have been closed by a restart or a proxy, and a dead one is replaced here."""

    @event.listens_for(engine, "checkin")
    def _rested_from(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        rested = time.monotonic() - record.info.get("checked_in", float("-inf"))
        if rested < PING_AFTER_IDLE:
            return
        try:
            dbapi_connection.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as e:
            raise DisconnectionError() from e


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


# a step about to be applied: (from revision or None, to revision, its number, how many)
Progress = Callable[[str | None, str, int, int], None]


def upgrade(engine: Engine, progress: Progress | None = None) -> tuple[str | None, str]:
    """Bring any database to the newest schema (what `dealbot db upgrade` runs): (the revision
    it was at, None for a new one; the head it is at now). `progress` is told of each step
    before it runs."""
    cfg = alembic_config(engine)
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head() or ""
    with _migrating(engine):  # read under the lock: another instance may have just migrated
        with engine.connect() as conn:
            before = MigrationContext.configure(conn).get_current_revision()
        steps = [
            (r.down_revision if isinstance(r.down_revision, str) else None, r.revision)
            for r in reversed(list(script.iterate_revisions(head, before)))
        ]
        if progress is not None and steps:
            progress(*steps[0], 1, len(steps))

            def applied(*, step, **_: object) -> None:  # type: ignore[no-untyped-def]
                done = next(n for n, (_, to) in enumerate(steps, 1) if to == step.up_revision_id)
                if done < len(steps):
                    progress(*steps[done], done + 1, len(steps))

            cfg.attributes["on_version_apply"] = applied
        command.upgrade(cfg, "head")
    return before, head


@contextmanager
def _migrating(engine: Engine) -> Iterator[None]:
    """PostgreSQL: one migrator at a time, across processes and hosts. The lock is the
    session's (it outlives the transaction), so this connection holds it, idle, while
    Alembic migrates on another; it is let go when done, or by the server if we die."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = {"key": MIGRATION_LOCK}
    with engine.connect() as conn:
        if not conn.scalar(text("select pg_try_advisory_lock(:key)"), key):
            logger.info("waiting for another instance to finish migrating the database")
            conn.execute(text("select pg_advisory_lock(:key)"), key)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("select pg_advisory_unlock(:key)"), key)
            conn.commit()


def _reason(e: Exception) -> str:
    """The driver's own message on one line (it names host and port, never the password)."""
    orig = getattr(e, "orig", None) or e
    return " ".join(str(orig).split()) or orig.__class__.__name__


def wait_until_reachable(engine: Engine, seconds: float) -> None:
    """Connect, retrying with backoff for up to `seconds` (one log line per failed attempt);
    raise Unreachable after that. SQLite is a local file: one attempt, no waiting."""
    where = engine.url.render_as_string(hide_password=True)
    if engine.dialect.name == "sqlite":
        seconds = 0
    deadline = time.monotonic() + seconds
    for attempt in itertools.count(1):
        try:
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            if attempt > 1:
                logger.info("database %s reachable (attempt %d)", where, attempt)
            return
        except (OperationalError, InterfaceError) as e:
            reason = _reason(e)
        left = deadline - time.monotonic()
        if left <= 0:
            raise Unreachable(
                f"database {where} unreachable after {attempt} attempt(s) in {seconds:g} s "
                f"([database] connect_retry_seconds): {reason}"
            )
        delay = min(
            RETRY_DELAYS[attempt - 1] if attempt <= len(RETRY_DELAYS) else RETRY_MAX_DELAY, left
        )
        logger.warning(
            "database %s unreachable (attempt %d): %s; next attempt in %.1f s, giving up in %.1f s",
            where,
            attempt,
            reason,
            delay,
            left,
        )
        time.sleep(delay)
    raise AssertionError("not reached")  # pragma: no cover


def _log_step(before: str | None, to: str, n: int, total: int) -> None:
    logger.info("migrating %s → %s (%d/%d)", before or "(new)", to, n, total)


def open_store(
    url: str,
    *,
    migrate: bool = True,
    defer_to: Callable[[], bool] | None = None,
    connect_retry: float | None = None,
) -> sessionmaker[Session]:
    """An engine + session factory; a database that is behind is migrated first. With
    `connect_retry`, a database that does not answer yet is waited for that many seconds
    (then Unreachable); without it, the first use finds out."""
    engine = make_engine(url, defer_to=defer_to)
    if connect_retry is not None:
        wait_until_reachable(engine, connect_retry)
    if migrate and not is_current(engine):
        logger.info("migrating database %s", engine.url.render_as_string(hide_password=True))
        upgrade(engine, progress=_log_step)
    return sessionmaker(engine, expire_on_commit=False)
