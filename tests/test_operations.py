"""What an operator reads: serve's /metrics after a few commands (build info, the process's
own series, job runs by rule and result, the ack, handling and answer latencies by platform),
serve's JSON log lines and their fields; what `dealbot db upgrade` says, and the progress of
a long migration or export off a terminal."""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.request
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner

from adapters.cli import version
from adapters.cli.logs import JsonLines, PlainFields, Redact, log_format
from adapters.cli.main import main
from storage import db
from tests.chat import Chat
from tests.fakes.slack_api import FakeSlack
from tests.kits import slack as kit
from tests.test_serve import get, serving, wait_for

WORD = "Quokkaplum"  # what a person typed: never in a log line


def post(port: int, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{kit.PATH}", data=body, headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as r:
        return r.status


def series(metrics: str, name: str) -> list[str]:
    return [line for line in metrics.splitlines() if line.startswith(name)]


def test_metrics_show_build_process_jobs_and_latencies_after_a_few_commands(
    tmp_path: Path,
) -> None:
    with FakeSlack() as slack, serving(tmp_path, kit.config(slack)) as (port, _db, log):
        for n in range(3):
            assert post(port, *kit.command(slack, f"Acme call {WORD} {n}")) == 200
        assert wait_for(lambda: len(kit.answered(slack)) >= 3, 30), kit.answered(slack)
        # the first run of the rules comes at the start; the sends' metrics come by a queue
        assert wait_for(
            lambda: (
                'dealbot_answer_seconds_count{platform="slack"} 3.0'
                in get(f"http://127.0.0.1:{port}/metrics")[1]
            ),
            10,
        )
        status, metrics = get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200
    (build,) = series(metrics, "dealbot_build_info{")
    assert re.fullmatch(
        r'dealbot_build_info\{commit="\w+",python="3[\d.]+",version="[^"]+"\} 1\.0', build
    )
    assert series(metrics, "process_cpu_seconds_total ")
    assert series(metrics, "process_resident_memory_bytes ")
    assert series(metrics, "python_gc_collections_total{")
    assert 'dealbot_job_runs_total{result="ok",rule="followups"} ' in metrics
    assert 'dealbot_job_runs_total{result="ok",rule="retention"} ' in metrics
    assert 'dealbot_job_duration_seconds_count{rule="digest"} ' in metrics
    for kind in ("ack", "handling", "answer"):
        assert f'dealbot_{kind}_seconds_bucket{{le="+Inf",platform="slack"}} 3.0' in metrics
    logged = log.read_text()
    assert WORD not in logged
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert lines
    for entry in lines:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["ts"])
        assert {"level", "logger", "event", "msg", "pid"} <= set(entry)


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("bot.intake", logging.ERROR, __file__, 1, message, args, None)
    rec.__dict__.update(extra)
    return rec


def test_a_json_line_has_its_fields_beside_the_message_and_only_known_ones() -> None:
    rec = record(
        "inbox row %s failed: %s",
        41,
        "KeyError",
        inbox_row=41,
        platform="slack",
        workspace="T1",
        error="KeyError",
        text=WORD,  # someone else's extra: not a field of ours, left out
    )
    rec.created = 1796601785.123  # 2026-12-07 00:03:05.123 UTC
    entry = json.loads(JsonLines().format(rec))
    assert entry == {
        "ts": "2026-12-07T00:03:05.123+00:00",
        "level": "ERROR",
        "logger": "bot.intake",
        "event": "inbox row %s failed: %s",
        "msg": "inbox row 41 failed: KeyError",
        "pid": rec.process,
        "inbox_row": 41,
        "platform": "slack",
        "workspace": "T1",
        "error": "KeyError",
    }


def test_the_event_is_the_template_with_secrets_redacted_and_a_given_event_wins() -> None:
    redact = Redact([], ["s3cret-value"])
    rec = record("connected with s3cret-value as %s", "bot")
    redact.filter(rec)
    entry = json.loads(JsonLines().format(rec))
    assert entry["event"] == "connected with [redacted] as %s"
    assert entry["msg"] == "connected with [redacted] as bot"
    rec = record("rules enqueued %s", {"digest": 2}, event="rules", duration=0.25)
    redact.filter(rec)
    entry = json.loads(JsonLines().format(rec))
    assert (entry["event"], entry["duration"]) == ("rules", 0.25)


def test_plain_lines_carry_iso_time_and_the_fields() -> None:
    rec = record("outbox row %s to %s failed (%s)", 7, "feishu", "429", outbox_row=7, tenant=3)
    rec.created = 1796601785.123
    line = PlainFields().format(rec)
    assert line == (
        "2026-12-07T00:03:05.123+00:00 ERROR bot.intake outbox row 7 to feishu failed (429) "
        "tenant=3 outbox_row=7"
    )


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_serve_logs_json_unless_in_a_terminal_and_the_environment_decides(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("DEALBOT_LOG_FORMAT", raising=False)
    assert log_format(io.StringIO()) == "json"
    assert log_format(_Tty()) == "plain"
    monkeypatch.setenv("DEALBOT_LOG_FORMAT", "json")
    assert log_format(_Tty()) == "json"
    monkeypatch.setenv("DEALBOT_LOG_FORMAT", "plain")
    assert log_format(io.StringIO()) == "plain"


# --- `dealbot db upgrade` and progress -------------------------------------------------------


def upgrade(url: str, after: str = "60") -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["db", "upgrade", "--db", url], env={"DEALBOT_PROGRESS_AFTER": after}
    )
    return result.exit_code, result.stdout, result.stderr


def test_db_upgrade_says_created_upgraded_from_or_already_at_head(tmp_path: Path) -> None:
    head = version.head_revision()
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert upgrade(url) == (0, f"database created at {head}\n", "")
    assert upgrade(url) == (0, f"database already at head ({head})\n", "")
    older = f"sqlite:///{tmp_path / 'older.db'}"
    command.upgrade(db.alembic_config(db.make_engine(older)), "0020")
    assert upgrade(older) == (0, f"database upgraded from 0020 to {head}\n", "")


def test_a_long_upgrade_says_each_revision_as_it_goes(tmp_path: Path) -> None:
    head = version.head_revision()
    older = f"sqlite:///{tmp_path / 'older.db'}"
    command.upgrade(db.alembic_config(db.make_engine(older)), "0024")
    steps = int(head) - 24
    code, out, err = upgrade(older, after="0")
    assert (code, out) == (0, f"database upgraded from 0024 to {head}\n")
    assert err.splitlines() == [
        f"migrating {n:04d} → {n + 1:04d} ({n - 23}/{steps})" for n in range(24, int(head))
    ]


@pytest.fixture
def filled(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'dealbot.db'}"
    sessions = db.open_store(url)
    Chat(sessions, now="2026-12-01 10:00").say("alice", f"/log Acme call {WORD}")
    sessions.kw["bind"].dispose()
    return url


def test_a_long_export_prints_percentage_lines_when_not_in_a_terminal(
    filled: str, tmp_path: Path
) -> None:
    out = tmp_path / "out.zip"
    args = ["export", "--db", filled, "--format", "csv", "--what", "customers,touches,tasks"]
    result = CliRunner().invoke(main, [*args, "-o", str(out)], env={"DEALBOT_PROGRESS_AFTER": "0"})
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[:-1] == [
        "export: 0% (customers)",
        "export: 25% (touches)",
        "export: 50% (tasks)",
        "export: 75% (csv)",
        "export: 100%",
    ]
    assert lines[-1].endswith(f"wrote {out} (customers 1, touches 1, tasks 0)")
    quick = CliRunner().invoke(main, [*args, "-o", str(out)], env={"DEALBOT_PROGRESS_AFTER": "60"})
    assert quick.stderr.splitlines() == lines[-1:]  # a quick one prints only what it did
