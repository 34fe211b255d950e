"""Retention (SQLite + PostgreSQL): delivered inbox and outbox rows are pruned after
[retention] delivered_days, a batch per short transaction, by serve's scheduled run and by
`dealbot tick`; pending, claimed and dead rows stay; dead letters are listed (never their
words), retried and cleared by `dealbot dead-letters`."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

import pytest
from click.testing import CliRunner
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from adapters.cli.assembly import retention_policy
from adapters.cli.main import main
from adapters.registry import sections
from adapters.server.runtime import Runtime
from bot.config import load_config
from bot.delivery import message_to_dict
from bot.handler import Bot
from bot.i18n import Words
from bot.inbox import InboxPolicy
from bot.jobs.env import JobEnv
from bot.outbox import OutboxPolicy
from bot.outcome import Attachment, Message
from bot.retention import RetentionPolicy, prune_delivered
from bot.settings import Settings
from storage import files, queue
from storage.models import Tenant
from storage.transit import InboxItem, OutboxItem

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
OLD = NOW - timedelta(days=45)
RECENT = NOW - timedelta(days=3)
WORDS = "the customer's confidential pricing words"  # must never reach a terminal
_n = itertools.count()


def tenant(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as s:
        t = Tenant(name="t", created_at=NOW)
        s.add(t)
        s.flush()
        return t.id


def inbox_row(
    sessions: sessionmaker[Session], status: str, at: datetime, error: str | None = None
) -> int:
    with sessions.begin() as s:
        row = InboxItem(
            platform="slack",
            workspace="T1",
            delivery_key=f"d{next(_n)}",
            payload={"text": WORDS},
            status=status,
            attempts=1 if status != "pending" else 0,
            received_at=at,
            next_attempt_at=at,
            last_error=error,
            done_at=at + timedelta(seconds=1) if status == "done" else None,
            claimed_by="w" if status == "claimed" else None,
            claimed_at=at if status == "claimed" else None,
        )
        s.add(row)
        s.flush()
        return row.id


def outbox_row(
    sessions: sessionmaker[Session], tid: int, status: str, at: datetime, error: str | None = None
) -> int:
    with sessions.begin() as s:
        row = OutboxItem(
            tenant_id=tid,
            dedup_key=f"k{next(_n)}",
            platform="slack",
            target_kind="person",
            target_id="U1",
            target_name="alice",
            payload={"text": WORDS},
            status=status,
            attempts=1 if status != "pending" else 0,
            next_attempt_at=at,
            created_at=at,
            sent_at=at + timedelta(seconds=2) if status == "sent" else None,
            last_error=error,
            claimed_by="w" if status == "claimed" else None,
            claimed_at=at if status == "claimed" else None,
        )
        s.add(row)
        s.flush()
        return row.id


def statuses(sessions: sessionmaker[Session], model: Any) -> dict[int, str]:
    with sessions() as s:
        return {i: status for i, status in s.execute(select(model.id, model.status))}


def url_of(sessions: sessionmaker[Session]) -> str:
    return sessions.kw["bind"].url.render_as_string(hide_password=False)


# --- pruning ------------------------------------------------------------------------------------


def test_old_delivered_rows_go_everything_else_stays(sessions) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    gone_in = [inbox_row(sessions, "done", OLD) for _ in range(3)]
    gone_out = [outbox_row(sessions, tid, "sent", OLD) for _ in range(3)]
    kept_in = [inbox_row(sessions, "done", RECENT)] + [
        inbox_row(sessions, status, OLD) for status in ("pending", "claimed", "dead")
    ]
    kept_out = [outbox_row(sessions, tid, "sent", RECENT)] + [
        outbox_row(sessions, tid, status, OLD) for status in ("pending", "claimed", "dead")
    ]
    pruned = prune_delivered(sessions, NOW, RetentionPolicy(inbox_days=30, outbox_days=30))
    assert pruned == {"inbox": len(gone_in), "outbox": len(gone_out), "files": 0}
    assert sorted(statuses(sessions, InboxItem)) == sorted(kept_in)
    assert sorted(statuses(sessions, OutboxItem)) == sorted(kept_out)
    assert prune_delivered(sessions, NOW, RetentionPolicy()) == {
        "inbox": 0,
        "outbox": 0,
        "files": 0,
    }


def test_each_queue_keeps_its_own_number_of_days(sessions) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    ten_days = NOW - timedelta(days=10)
    inbox_row(sessions, "done", ten_days)
    kept = outbox_row(sessions, tid, "sent", ten_days)
    policy = RetentionPolicy(inbox_days=7, outbox_days=30)
    assert prune_delivered(sessions, NOW, policy) == {"inbox": 1, "outbox": 0, "files": 0}
    assert list(statuses(sessions, OutboxItem)) == [kept]


def kept_file(sessions: sessionmaker[Session], tid: int, at: datetime) -> int:
    with sessions.begin() as s:
        return files.keep(s, tenant_id=tid, kind="export", name="x.xlsx", data=b"PK..", now=at)


def naming(sessions: sessionmaker[Session], tid: int, status: str, file_id: int) -> int:
    """An outbox row (in `status`) whose message is the kept file `file_id`."""
    row = outbox_row(sessions, tid, status, OLD)
    message = Message(attachment=Attachment(name="x.xlsx", file_id=file_id))
    with sessions.begin() as s:
        s.get(OutboxItem, row).payload = message_to_dict(message)  # type: ignore[union-attr]
    return row


def test_old_files_go_unless_a_push_not_yet_sent_names_them(sessions) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    eight_days = NOW - timedelta(days=8)
    gone = [kept_file(sessions, tid, eight_days) for _ in range(3)]
    naming(sessions, tid, "sent", gone[0])  # sent already: nothing waits for it
    recent = kept_file(sessions, tid, NOW - timedelta(days=6))
    waiting = {status: kept_file(sessions, tid, OLD) for status in ("pending", "claimed", "dead")}
    for status, file_id in waiting.items():
        naming(sessions, tid, status, file_id)
    policy = RetentionPolicy(files_days=7, batch_size=2)
    assert prune_delivered(sessions, NOW, policy)["files"] == len(gone)
    with sessions() as s:
        left = set(s.scalars(select(files.StoredFile.id)))
    assert left == {recent, *waiting.values()}
    assert prune_delivered(sessions, NOW, policy)["files"] == 0


def test_files_days_comes_from_the_config(tmp_path: Path) -> None:
    cfg = tmp_path / "dealbot.toml"
    cfg.write_text("[retention]\nfiles_days = 3\n", encoding="utf-8")
    policy = retention_policy(load_config(str(cfg), platforms=sections()))
    assert policy.files_days == 3
    assert RetentionPolicy().files_days == 7


class Transactions:
    """What the store saw, in order: each DELETE with its row count, and each COMMIT."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.engine = sessions.kw["bind"]
        self.seen: list[Any] = []

    def _statement(self, conn, cursor, statement, params, context, many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("DELETE"):
            self.seen.append(("delete", cursor.rowcount))

    def _commit(self, conn) -> None:  # type: ignore[no-untyped-def]
        self.seen.append("commit")

    def __enter__(self) -> Self:
        event.listen(self.engine, "after_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "after_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)


def test_five_old_rows_with_batches_of_two_take_three_short_transactions(sessions) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        inbox_row(sessions, "done", OLD)
    kept = inbox_row(sessions, "done", RECENT)
    with Transactions(sessions) as seen:
        n = queue.prune_delivered(sessions, InboxItem, cutoff=NOW - timedelta(days=30), batch=2)
    assert n == 5
    # one DELETE per transaction, never more than a batch; the short third batch ends it
    assert seen.seen == [("delete", 2), "commit", ("delete", 2), "commit", ("delete", 1), "commit"]
    assert list(statuses(sessions, InboxItem)) == [kept]


def test_a_full_last_batch_is_followed_by_one_empty_look(sessions) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    for _ in range(4):
        outbox_row(sessions, tid, "sent", OLD)
    with Transactions(sessions) as seen:
        n = queue.prune_delivered(sessions, OutboxItem, cutoff=NOW - timedelta(days=30), batch=2)
    assert n == 4
    assert seen.seen == [("delete", 2), "commit", ("delete", 2), "commit", "commit"]


def test_each_batch_is_picked_by_walking_the_due_index_on_sqlite(tmp_path: Path) -> None:
    """The SELECT a prune runs walks (status, next_attempt_at) from the oldest row and stops
    after a batch: no table scan, no sort of every old row per batch."""
    from storage import db

    sessions = db.open_store(f"sqlite:///{tmp_path / 'plan.db'}")
    engine = sessions.kw["bind"]
    picks: list[tuple[str, Any]] = []

    def seen(conn, cursor, statement, params, context, many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            picks.append((statement, params))

    event.listen(engine, "after_cursor_execute", seen)
    prune_delivered(sessions, NOW, RetentionPolicy())
    event.remove(engine, "after_cursor_execute", seen)
    assert len(picks) == 3  # one short look per queue and one at the files: nothing to prune
    walks = [
        ["SEARCH inbox USING INDEX ix_inbox_due (status=? AND next_attempt_at<?)"],
        ["SEARCH outbox USING INDEX ix_outbox_due (status=? AND next_attempt_at<?)"],
        # old files from the oldest, each looked for among the unsent pushes only
        [
            "SEARCH files USING COVERING INDEX ix_files_created (created_at<?)",
            "CORRELATED SCALAR SUBQUERY 1",
            "SEARCH outbox USING INDEX ix_outbox_due (status=?)",
        ],
    ]
    with engine.connect() as conn:
        for (statement, params), walk in zip(picks, walks, strict=True):
            plan = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
            assert plan == walk
    engine.dispose()


# --- who prunes: serve's scheduler, `dealbot tick` ------------------------------------------------


class Metrics:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, int]] = []

    def send(self, platform: str, result: str) -> None:
        pass

    def job(self, name: str, seconds: float, count: int, ok: bool = True) -> None:
        self.jobs.append((name, count))

    def timing(self, kind: str, platform: str, seconds: float) -> None:
        pass


def test_serve_runtime_prunes_on_its_schedule(sessions) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    inbox_row(sessions, "done", datetime.now(UTC) - timedelta(days=40))
    outbox_row(sessions, tid, "sent", datetime.now(UTC) - timedelta(days=40))
    dead = inbox_row(sessions, "dead", datetime.now(UTC) - timedelta(days=40))
    settings = Settings()
    bot = Bot(sessions=sessions, settings=settings, words=Words())
    metrics = Metrics()
    runtime = Runtime(
        env=JobEnv(sessions=sessions, settings=settings, words=bot.words),
        bot=bot,
        platforms={},
        policy=OutboxPolicy(),
        inbox_policy=InboxPolicy(),
        interval=3600,
        poll=0.2,
        inbox_poll=0.2,
        metrics=metrics,
        retention=RetentionPolicy(batch_size=10),
    )
    runtime.start()
    try:
        assert "retention" in {job.id for job in runtime.scheduler.get_jobs()}
        deadline = time.monotonic() + 10
        while ("retention", 2) not in metrics.jobs and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        runtime.stop()
    assert ("retention", 2) in metrics.jobs
    assert statuses(sessions, InboxItem) == {dead: "dead"}
    assert statuses(sessions, OutboxItem) == {}


def test_tick_prunes_what_is_past_retention_by_its_moment(sessions, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    inbox_row(sessions, "done", NOW - timedelta(days=6))
    outbox_row(sessions, tid, "sent", NOW - timedelta(days=6))
    kept_in = inbox_row(sessions, "done", NOW - timedelta(days=4))
    kept_out = outbox_row(sessions, tid, "sent", NOW - timedelta(days=4))
    dead = outbox_row(sessions, tid, "dead", NOW - timedelta(days=60))
    cfg = tmp_path / "dealbot.toml"
    cfg.write_text("[retention]\ndelivered_days = 5\nbatch_size = 1\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["tick", "--at", NOW.isoformat(), "--db", url_of(sessions), "--config", str(cfg)]
    )
    assert result.exit_code == 0, result.output
    assert "pruned inbox 1, outbox 1, files 0" in result.output
    assert list(statuses(sessions, InboxItem)) == [kept_in]
    assert sorted(statuses(sessions, OutboxItem)) == sorted([kept_out, dead])


# --- configuration: [retention], and the old [inbox] keep_days ------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dealbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def check(path: Path) -> Any:
    return CliRunner().invoke(main, ["check-config", "--config", str(path)])


def test_retention_defaults_and_limits(tmp_path: Path) -> None:
    policy = retention_policy(load_config(None, env={}))
    assert policy == RetentionPolicy(inbox_days=30, outbox_days=30, batch_size=1000)
    bad = write(tmp_path, "[retention]\ndelivered_days = 0.5\nbatch_size = 0\n")
    result = check(bad)
    assert result.exit_code == 1
    assert "retention.delivered_days: must be at least 1" in result.output
    assert "retention.batch_size: must be between 1 and 100000" in result.output


def test_old_inbox_keep_days_still_holds_for_the_inbox_with_a_note(tmp_path: Path) -> None:
    path = write(tmp_path, "[inbox]\nkeep_days = 7\n")
    policy = retention_policy(load_config(path, env={}, platforms=sections()))
    assert (policy.inbox_days, policy.outbox_days) == (7, 30)
    result = check(path)
    assert result.exit_code == 0, result.output
    assert "note: inbox.keep_days: deprecated" in result.output
    assert result.output.rstrip().endswith("configuration OK")
    # [retention] without delivered_days: keep_days still speaks for the inbox
    path = write(tmp_path, "[inbox]\nkeep_days = 7\n[retention]\nbatch_size = 10\n")
    assert retention_policy(load_config(path, env={})).inbox_days == 7


def test_delivered_days_wins_over_the_old_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[inbox]\nkeep_days = 7\n[retention]\ndelivered_days = 14\n")
    policy = retention_policy(load_config(path, env={}))
    assert (policy.inbox_days, policy.outbox_days) == (14, 14)
    result = check(path)
    assert result.exit_code == 0 and "deprecated and ignored" in result.output
    assert "note:" not in check(write(tmp_path, "[retention]\ndelivered_days = 14\n")).output


# --- dead letters -------------------------------------------------------------------------------


def dead_letters(sessions: sessionmaker[Session], *args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(main, ["dead-letters", *args, "--db", url_of(sessions)], input=stdin)


@pytest.fixture
def letters(sessions) -> dict[str, int]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    tid = tenant(sessions)
    return {
        "in_old": inbox_row(
            sessions, "dead", now - timedelta(days=20), error="ValueError\nTraceback line two"
        ),
        "out_old": outbox_row(
            sessions,
            tid,
            "dead",
            now - timedelta(days=12),
            error="no sender for platform 'slack': it is not configured",
        ),
        "out_new": outbox_row(sessions, tid, "dead", now - timedelta(hours=3), error="HTTP 500"),
        "in_done": inbox_row(sessions, "done", now - timedelta(days=1)),
        "out_pending": outbox_row(sessions, tid, "pending", now),
    }


def test_list_shows_every_dead_letter_but_never_its_words(sessions, letters) -> None:  # type: ignore[no-untyped-def]
    result = dead_letters(sessions, "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["ID", "PLATFORM", "AGE", "SIZE", "TARGET", "LAST", "ERROR"]
    body = lines[1:]
    assert [line.split()[0] for line in body] == [
        f"inbox:{letters['in_old']}",
        f"outbox:{letters['out_old']}",
        f"outbox:{letters['out_new']}",
    ]  # oldest first; the done and the pending rows are not dead letters
    assert body[0].split()[1:4] == ["slack", "20d", body[0].split()[3]]
    assert body[0].split()[3].endswith("B") and "T1" in body[0]
    assert body[0].rstrip().endswith("ValueError")  # the first line of the error only
    assert "Traceback" not in result.output
    assert "person U1 (alice)" in body[1] and "3h" in body[2]
    assert WORDS not in result.output and "confidential" not in result.output


def test_list_shows_the_oldest_and_counts_the_rest(sessions, letters) -> None:  # type: ignore[no-untyped-def]
    result = dead_letters(sessions, "list", "--limit", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines[1:3]] == [
        f"inbox:{letters['in_old']}",
        f"outbox:{letters['out_old']}",
    ]
    assert lines[3:] == ["… and 1 more (--limit)"]


def test_an_empty_store_has_no_dead_letters(sessions) -> None:  # type: ignore[no-untyped-def]
    result = dead_letters(sessions, "list")
    assert result.exit_code == 0 and result.output.strip() == "no dead letters"


def test_retry_sends_them_back_to_the_queue_due_now(sessions, letters) -> None:  # type: ignore[no-untyped-def]
    ref = f"outbox:{letters['out_old']}"
    before = datetime.now(UTC)
    result = dead_letters(sessions, "retry", ref)
    assert result.exit_code == 0, result.output
    assert ref in result.output
    with sessions() as s:
        row = s.get(OutboxItem, letters["out_old"])
        assert row is not None and (row.status, row.attempts) == ("pending", 0)
        assert before - timedelta(seconds=1) <= row.next_attempt_at <= datetime.now(UTC)
        assert s.get(InboxItem, letters["in_old"]).status == "dead"  # type: ignore[union-attr]
    # one that is not a dead letter (any more) is named and left alone
    again = dead_letters(sessions, "retry", ref, f"inbox:{letters['in_old']}")
    assert again.exit_code == 1
    assert f"left alone: {ref}" in again.output
    assert statuses(sessions, InboxItem)[letters["in_old"]] == "pending"


def test_retry_all_and_what_it_refuses(sessions, letters) -> None:  # type: ignore[no-untyped-def]
    assert dead_letters(sessions, "retry").exit_code == 2  # neither ids nor --all
    assert dead_letters(sessions, "retry", "--all", "inbox:1").exit_code == 2
    bad = dead_letters(sessions, "retry", "12")
    assert bad.exit_code == 2 and "inbox:<id> or outbox:<id>" in bad.output
    result = dead_letters(sessions, "retry", "--all")
    assert result.exit_code == 0 and "retrying 3" in result.output
    assert "dead" not in statuses(sessions, InboxItem).values()
    assert "dead" not in statuses(sessions, OutboxItem).values()


def test_clear_deletes_named_dead_letters_only(sessions, letters) -> None:  # type: ignore[no-untyped-def]
    result = dead_letters(
        sessions, "clear", f"inbox:{letters['in_old']}", f"inbox:{letters['in_done']}"
    )
    assert result.exit_code == 0, result.output
    assert "cleared inbox 1, outbox 0" in result.output
    assert list(statuses(sessions, InboxItem)) == [letters["in_done"]]  # not a dead letter


def test_clear_all_older_than_asks_first_and_keeps_the_newer(sessions, letters) -> None:  # type: ignore[no-untyped-def]
    declined = dead_letters(sessions, "clear", "--all", stdin="n\n")
    assert declined.exit_code == 1  # aborted: nothing deleted
    assert len(statuses(sessions, OutboxItem)) == 3
    result = dead_letters(sessions, "clear", "--all", "--older-than", "10", "--yes")
    assert result.exit_code == 0, result.output
    assert "cleared inbox 1, outbox 1" in result.output
    assert statuses(sessions, OutboxItem) == {
        letters["out_new"]: "dead",
        letters["out_pending"]: "pending",
    }
    assert statuses(sessions, InboxItem) == {letters["in_done"]: "done"}
