"""The store itself: migrations match the models, SQLite is tuned, concurrent writers don't fail."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from storage import db
from storage.base import Base
from storage.models import Activity, Tenant
from storage.transit import InboxItem
from tests.chat import Chat


def test_migrations_produce_exactly_the_models(sessions) -> None:  # type: ignore[no-untyped-def]
    engine = sessions.kw["bind"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert db.is_current(engine)


def test_sqlite_runs_in_wal_with_busy_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = db.open_store(f"sqlite:///{tmp_path / 'x.db'}").kw["bind"]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_upgrade_is_idempotent_on_an_existing_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'y.db'}"
    db.open_store(url)
    engine = db.make_engine(url)
    db.upgrade(engine)
    with engine.connect() as conn:
        head = ScriptDirectory.from_config(db.alembic_config(engine)).get_current_head()
        assert head is not None and int(head) >= 10  # the newest migration, whichever it is
        assert conn.execute(text("select version_num from alembic_version")).scalar() == head


def test_naive_datetimes_are_refused(sessions) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception, match="naive datetime"), sessions.begin() as s:
        s.add(Tenant(name="t", created_at=datetime(2026, 1, 1)))
        s.flush()


def test_times_come_back_aware_utc(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        s.add(Tenant(name="t", created_at=datetime(2026, 1, 1, 12, tzinfo=UTC)))
    with sessions() as s:
        assert s.scalar(select(Tenant.created_at)) == datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_concurrent_read_then_write_transactions_all_land(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    chat.say("boss", "/help")  # the tenant exists before the race

    def log(n: int) -> str:
        return chat.text(chat.bot.handle(chat.event(f"rep{n % 4}", f"/log Cust{n % 4} call n{n}")))

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(log, range(40)))
    assert all("logged a call" in r for r in replies), [r for r in replies if "logged" not in r]
    with sessions() as s:
        assert s.scalar(select(func.count(Activity.id))) == 40


def test_one_delivery_raced_by_six_workers_is_handled_once(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    chat.say("boss", "/help")
    for _ in range(3):  # the platform delivers it three times
        chat.store("alice", "/log Acme call exactly once", key="Ev-race")
    with ThreadPoolExecutor(max_workers=6) as pool:
        handled = list(pool.map(lambda n: chat.intake(f"w{n}").drain(), range(6)))
    assert sum(handled) == 1
    with sessions() as s:
        assert s.scalar(select(func.count(Activity.id))) == 1
        assert s.scalar(select(func.count(InboxItem.id))) == 1
        assert s.scalar(select(InboxItem.status)) == "done"


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_downgrade_to_nothing_and_back(kind: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from tests.conftest import empty_pg_database

    def round_trip(url: str) -> None:
        engine = db.make_engine(url)
        cfg = db.alembic_config(engine)
        command.upgrade(cfg, "head")
        command.downgrade(cfg, "base")
        with engine.connect() as conn:
            assert not MigrationContext.configure(conn).get_current_revision()
        command.upgrade(cfg, "head")
        assert db.is_current(engine)
        engine.dispose()

    if kind == "sqlite":
        round_trip(f"sqlite:///{tmp_path / 'r.db'}")
    else:
        with empty_pg_database() as url:
            round_trip(url)
