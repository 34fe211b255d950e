"""audit_log is append-only in the database itself (migration 0011), on SQLite and PostgreSQL:
raw SQL can neither change nor remove an entry; what the schema itself does — a tenant's removal
cascading to its entries, a person's removal nulling their entries' actor — still goes through.
(tests/test_audit.py covers the ORM's own refusal, storage/append_only.py.)"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage import db
from tests.chat import Chat


def audit(sessions: sessionmaker[Session]) -> list[tuple[int, int | None, str]]:
    with sessions() as s:
        return [
            tuple(r)
            for r in s.execute(
                text("select tenant_id, actor_id, action from audit_log order by id")
            )
        ]


def busy_tenant(sessions: sessionmaker[Session]) -> tuple[Chat, int]:
    """A tenant with deals, a team, a handover and roles: entries by several actors."""
    chat = Chat(sessions)
    chat.say("alice", "/help")  # the first one seen: an admin
    chat.say("alice", "/team east @bob @carl")
    chat.say("alice", "/deal Acme new license 120k")
    chat.say("alice", "/deal Acme stage proposal")
    chat.say("alice", "/handover Acme @alice @carl")
    chat.say("alice", "/role @carl manager")
    with sessions() as s:
        tenant = s.scalar(text("select tenant_id from audit_log limit 1"))
    return chat, int(tenant)


@pytest.mark.parametrize(
    "sql",
    [
        "update audit_log set action = 'deal.won'",
        "update audit_log set detail = '{}'",
        "update audit_log set actor_id = null",  # its person is still there
        "delete from audit_log",
        "delete from audit_log where id = (select max(id) from audit_log)",
    ],
)
def test_raw_sql_can_neither_change_nor_remove_an_entry(sessions, sql: str) -> None:  # type: ignore[no-untyped-def]
    busy_tenant(sessions)
    before = audit(sessions)
    assert before and all(actor is not None for _, actor, _ in before)
    with pytest.raises(IntegrityError, match="append-only"), sessions.begin() as s:
        s.execute(text(sql))
    assert audit(sessions) == before


def test_removing_a_tenant_removes_its_entries_and_no_one_elses(sessions) -> None:  # type: ignore[no-untyped-def]
    _, gone = busy_tenant(sessions)
    with sessions.begin() as s:  # another tenant, with an entry of its own
        kept = s.scalar(
            text(
                "insert into tenants (name, locale, timezone, currency, created_at) "
                "values ('kept', 'en', 'UTC', 'USD', :at) returning id"
            ),
            {"at": datetime(2026, 12, 1, tzinfo=UTC)},
        )
        s.execute(
            text(
                "insert into audit_log (tenant_id, action, subject, detail, at) "
                "values (:t, 'deal.new', 'deal:1', '{}', :at)"
            ),
            {"t": kept, "at": datetime(2026, 12, 1, tzinfo=UTC)},
        )
    assert {t for t, _, _ in audit(sessions)} == {gone, kept}
    with sessions.begin() as s:  # its people go too, which nulls the actor of its entries
        s.execute(text("delete from tenants where id = :t"), {"t": gone})
    assert audit(sessions) == [(kept, None, "deal.new")]
    with pytest.raises(IntegrityError, match="append-only"), sessions.begin() as s:
        s.execute(text("delete from audit_log"))  # the kept tenant's is protected as before


def test_removing_a_person_keeps_their_entries_without_the_actor(sessions) -> None:  # type: ignore[no-untyped-def]
    _, tenant = busy_tenant(sessions)
    at = {"at": datetime(2026, 12, 1, tzinfo=UTC), "t": tenant}
    with sessions.begin() as s:  # someone who did one thing, and is then removed
        erin = s.scalar(
            text(
                "insert into people (tenant_id, display_name, role, created_at) "
                "values (:t, 'erin', 'rep', :at) returning id"
            ),
            at,
        )
        s.execute(
            text(
                "insert into audit_log (tenant_id, actor_id, action, subject, detail, "
                "at) values (:t, :p, 'deal.stage', 'deal:1', '{}', :at)"
            ),
            at | {"p": erin},
        )
    before = audit(sessions)
    with pytest.raises(IntegrityError, match="append-only"), sessions.begin() as s:
        s.execute(text("update audit_log set actor_id = null where actor_id = :p"), {"p": erin})
    with sessions.begin() as s:
        s.execute(text("delete from people where id = :p"), {"p": erin})
    assert audit(sessions) == [
        (t, None if actor == erin else actor, action) for t, actor, action in before
    ]
    # with the actor gone, nulling it was all that was let through: nothing else changes
    with pytest.raises(IntegrityError, match="append-only"), sessions.begin() as s:
        s.execute(text("update audit_log set action = 'x' where actor_id is null"))


def test_the_triggers_come_and_go_with_migration_0011(tmp_path: Path) -> None:
    from alembic import command

    engine = db.make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    db.upgrade(engine)
    names = "select name from sqlite_master where type = 'trigger' order by name"
    with engine.connect() as conn:
        assert [n for (n,) in conn.execute(text(names))] == [
            "audit_log_no_delete",
            "audit_log_no_update",
        ]
    command.downgrade(db.alembic_config(engine), "0010")
    with engine.connect() as conn:
        assert list(conn.execute(text(names))) == []
    db.upgrade(engine)
    with engine.connect() as conn:
        assert len(list(conn.execute(text(names)))) == 2
    engine.dispose()
