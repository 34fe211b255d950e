"""Stores for tests: a real SQLite file, and real PostgreSQL when it runs.

PostgreSQL tests skip with a reason where no server answers — except in CI (CI=true),
where a missing server fails them, so they can never pass by being skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage import db, files, models, process, transit  # noqa: F401  (their tables, in Base.metadata)
from storage.base import Base

PG_ADMIN_URL = os.environ.get(
    "DEALBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_unavailable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as e:  # noqa: BLE001 - any failure means "no server here"
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {e.__class__.__name__}"
    return None


def require_pg() -> None:
    reason = _pg_unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} — PostgreSQL tests are required in CI")
        pytest.skip(reason)


@contextmanager
def empty_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    require_pg()
    name = f"dealbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    with empty_pg_database() as url:
        engine = db.make_engine(url)
        db.upgrade(engine)
        engine.dispose()
        yield url


def _truncate(sessions: sessionmaker[Session]) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with sessions.begin() as s:
        s.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def sessions(request: pytest.FixtureRequest, tmp_path) -> Iterator[sessionmaker[Session]]:  # type: ignore[no-untyped-def]
    """A migrated store, once on a real SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        factory = db.open_store(f"sqlite:///{tmp_path / 'dealbot.db'}")
        yield factory
        factory.kw["bind"].dispose()
    else:
        url = request.getfixturevalue("pg_url")
        factory = db.open_store(url, migrate=False)
        _truncate(factory)
        yield factory
        factory.kw["bind"].dispose()
