"""`dealbot serve` as real processes: health, metrics, clean stop, and several instances
sharing one PostgreSQL database without losing or doubling a push."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import db
from storage.transit import OutboxItem
from tests.conftest import empty_pg_database
from tests.fakes.slack_api import FakeSlack
from tests.test_delivery import seed as seed_outbox

ROOT = Path(__file__).resolve().parent.parent
DEALBOT = Path(sys.executable).parent / "dealbot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(config: Path, log: Path, *, verbose: bool = False) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(DEALBOT), *(["-v"] if verbose else []), "serve", "--config", str(config)],
        cwd=config.parent,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_healthy(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("serve did not become healthy:\n" + log.read_text())


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=30)


@contextmanager
def serving(tmp: Path, tables: str, *, verbose: bool = False) -> Iterator[tuple[int, Path, Path]]:
    """`dealbot serve` on a fresh SQLite file, sending at once and never scheduling on its own,
    with these config tables (a platform's); (port, database, log) while it runs. It must stop
    cleanly. `verbose`: `dealbot -v serve`, logging at DEBUG."""
    port, db = free_port(), tmp / "dealbot.db"
    config = tmp / "dealbot.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{db}"\n[server]\nport = {port}\n'
        f"[outbox]\npoll_seconds = 0.05\n[scheduler]\ninterval_seconds = 3600\n"
        f"{tables}"
    )
    log = tmp / "serve.log"
    proc = start(config, log, verbose=verbose)
    try:
        wait_healthy(port, proc, log)
        yield port, db, log
    finally:
        assert stop(proc) == 0, log.read_text()


def test_serve_with_the_example_config_answers_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    text = (ROOT / "config.example.toml").read_text().replace("port = 8080", f"port = {port}")
    assert f"port = {port}" in text
    config = tmp_path / "dealbot.toml"
    config.write_text(text)
    log = tmp_path / "serve.log"
    proc = start(config, log)
    try:
        wait_healthy(port, proc, log)
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        assert (status, json.loads(body)) == (
            200,
            {
                "status": "ok",
                "database": "ok",
                "inbox": {"backlog": 0, "oldest_seconds": 0.0, "dead": 0},
            },
        )
        status, metrics = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        for name in (
            "dealbot_outbox_depth",
            "dealbot_job_runs_total",
            "dealbot_sends_total",
            "dealbot_job_duration_seconds",
            "dealbot_inbound_events_total",
            "dealbot_inbox_backlog",
            "dealbot_database_up 1.0",
        ):
            assert name in metrics
    finally:
        code = stop(proc)
    assert code == 0, log.read_text()
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any("runtime stopped" in entry["msg"] for entry in lines)


def test_check_config_names_each_bad_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[bot]\ntimezone = "Mars/Base"\nlocale = "fr"\n[server]\nport = 99999\n'
        '[slack]\nbot_token = "xoxb-secret-value"\n'
    )
    done = subprocess.run(
        [str(DEALBOT), "check-config", "--config", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    out = done.stdout
    for key in ("bot.timezone", "bot.locale", "server.port", "slack.signing_secret"):
        assert any(line.startswith(key + ":") for line in out.splitlines()), (key, out)
    assert "xoxb-secret-value" not in out + done.stderr
    good = subprocess.run(
        [str(DEALBOT), "check-config", "--config", str(ROOT / "config.example.toml")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (good.returncode, good.stdout.strip()) == (0, "configuration OK")


def seed(url: str, n: int) -> None:
    """A migrated database with n pushes due to n Slack users."""
    sessions = db.open_store(url)  # migrates the new database
    seed_outbox(sessions, n)
    sessions.kw["bind"].dispose()


def serve_config(
    dir: Path,
    url: str,
    slack: FakeSlack,
    port: int,
    *,
    secret: str = "test-signing-secret",
    lease: float = 3,
    batch: int = 10,
    concurrency: int = 8,
    token: str = "xoxb-test",
) -> Path:
    """A serve on `url` and a fake Slack, with short polls and a short worker lease (a dead
    process's claims are taken over in seconds)."""
    path = dir / f"serve-{port}.toml"
    path.write_text(f"""
[database]
url = "{url}"
[server]
port = {port}
worker_lease_seconds = {lease}
[slack]
bot_token = "{token}"
signing_secret = "{secret}"
api_base_url = "{slack.url}"
[outbox]
poll_seconds = 0.05
batch_size = {batch}
concurrency = {concurrency}
[scheduler]
interval_seconds = 3600
""")
    return path


def wait_for(pred, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def statuses(url: str) -> list[tuple[str, str | None]]:
    sessions = db.open_store(url, migrate=False)
    with sessions() as s:
        rows = [(r.status, r.claimed_by) for r in s.scalars(select(OutboxItem))]
    sessions.kw["bind"].dispose()
    return rows


@pytest.mark.postgres
def test_two_instances_deliver_each_of_1000_items_exactly_once(tmp_path: Path) -> None:
    with empty_pg_database() as url, FakeSlack(hang_seconds=0.01) as slack:
        seed(url, 1000)
        procs = []
        for _ in range(2):
            port = free_port()
            log = tmp_path / f"{port}.log"
            procs.append((start(serve_config(tmp_path, url, slack, port), log), port, log))
        try:
            for proc, port, log in procs:
                wait_healthy(port, proc, log)
            assert wait_for(lambda: len(slack.posted) >= 1000, 120), len(slack.posted)
            time.sleep(1)  # anything doubled would show up now
        finally:
            codes = [stop(p) for p, _, _ in procs]
        delivered = Counter(m["text"] for m in slack.posted)
        assert len(delivered) == 1000 and max(delivered.values()) == 1
        rows = statuses(url)
        assert {s for s, _ in rows} == {"sent"}
        workers = Counter(w for _, w in rows)
        assert len(workers) == 2, workers  # the work was shared, not done twice
        assert codes == [0, 0]


@pytest.mark.postgres
def test_sends_that_outlast_the_lease_many_times_over_are_never_repeated(tmp_path: Path) -> None:
    """A batch takes ten times the worker lease to send (a slow platform): the claims stay
    their worker's while it renews its lease, so the other instance never sends them again."""
    with empty_pg_database() as url, FakeSlack() as slack:
        seed(url, 80)
        answer, rng = slack.answer, random.Random(5)

        def slow(method, body):  # type: ignore[no-untyped-def]
            time.sleep(rng.uniform(0, 1.2) if method == "chat.postMessage" else 0)
            return answer(method, body)

        slack.answer = slow  # type: ignore[method-assign]
        procs = []
        for _ in range(2):
            port = free_port()
            log = tmp_path / f"{port}.log"
            config = serve_config(tmp_path, url, slack, port, lease=3, batch=40, concurrency=2)
            procs.append((start(config, log), port, log))
        try:
            for proc, port, log in procs:
                wait_healthy(port, proc, log)
            assert wait_for(lambda: {s for s, _ in statuses(url)} == {"sent"}, 120)
            time.sleep(1)
        finally:
            codes = [stop(p) for p, _, _ in procs]
        delivered = Counter(m["text"] for m in slack.posted)
        assert len(delivered) == 80 and max(delivered.values()) == 1, delivered.most_common(3)
        assert codes == [0, 0]


@pytest.mark.postgres
def test_sigkill_mid_delivery_loses_nothing(tmp_path: Path) -> None:
    with empty_pg_database() as url, FakeSlack() as slack:
        seed(url, 1000)
        slow = slack.answer
        first: dict[str, str] = {}  # a push's text → the instance whose post reached Slack first

        def answer(method, body):  # type: ignore[no-untyped-def]
            first.setdefault(body.get("text", ""), slack.caller.token)
            time.sleep(0.01)  # slow enough that the kill lands mid-delivery
            return slow(method, body)

        slack.answer = answer  # type: ignore[method-assign]
        procs = []
        for name in ("xoxb-victim", "xoxb-survivor"):  # each instance known by its token
            port = free_port()
            log = tmp_path / f"{port}.log"
            config = serve_config(tmp_path, url, slack, port, token=name)
            procs.append((start(config, log), port, log))
        try:
            for proc, port, log in procs:
                wait_healthy(port, proc, log)
            assert wait_for(lambda: len(slack.posted) >= 200, 60)
            victim = procs[0][0]
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            assert wait_for(lambda: {s for s, _ in statuses(url)} == {"sent"}, 120)
        finally:
            survivor = procs[1][0]
            code = stop(survivor)
        delivered = Counter(m["text"] for m in slack.posted)
        assert len(delivered) == 1000  # nothing lost
        assert set(first.values()) == {"xoxb-victim", "xoxb-survivor"}  # both sent, told apart
        doubled = [text for text, n in delivered.items() if n > 1]
        # only a push in flight when its process died (Slack had it; the process never wrote
        # that down) can go out twice: at most one per conversation being sent, and never one
        # the survivor took from a live worker. Which instance sent first is told by its token,
        # not by the clock: on a loaded machine Slack may read a post the victim sent before
        # the kill only after it.
        assert len(doubled) <= 8, doubled  # [outbox] concurrency
        assert all(first[text] == "xoxb-victim" for text in doubled), doubled
        assert code == 0


def test_a_configured_platform_that_cannot_start_stops_serve_with_the_reason(
    tmp_path: Path,
) -> None:
    from tests.fakes.feishu_api import FakeFeishu

    with FakeFeishu(app_id="cli_x", app_secret="the-real-secret") as feishu:
        config = tmp_path / "feishu.toml"
        config.write_text(f"""
[database]
url = "sqlite:///{tmp_path / "f.db"}"
[server]
port = {free_port()}
[feishu]
app_id = "cli_x"
app_secret = "feishu-secret-value"
mode = "websocket"
domain = "{feishu.url}"
""")
        done = subprocess.run(
            [str(DEALBOT), "serve", "--config", str(config)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    assert done.returncode != 0
    assert "the long connection was refused" in done.stdout + done.stderr, done.stderr
    assert "feishu-secret-value" not in done.stdout + done.stderr


def test_serve_stops_with_an_error_when_its_worker_dies(tmp_path: Path) -> None:
    """Without its worker, serve would store forever and answer nothing: it stops instead,
    exit 1, so that its supervisor starts both again."""
    port, db_file = free_port(), tmp_path / "dealbot.db"
    config = tmp_path / "dealbot.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{db_file}"\n[server]\nport = {port}\n'
        "[scheduler]\ninterval_seconds = 3600\n"
    )
    log = tmp_path / "serve.log"
    proc = start(config, log)
    try:
        wait_healthy(port, proc, log)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        workers = [
            int(c) for c in children if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()
        ]
        assert len(workers) == 1, children
        os.kill(workers[0], signal.SIGKILL)
        assert proc.wait(timeout=30) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "the worker process exited with -9" in log.read_text()
