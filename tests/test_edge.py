"""The HTTP edge of a real `dealbot serve` under hostile or unlucky conditions: bodies too big,
slow or abandoned clients, signed but malformed payloads, a database locked by another process,
a backlog past `max_depth`, and what the logs may (DEBUG lines) and may not (capabilities,
tokens, secrets) contain."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import select
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import slack_signing as signing
from tests.fakes.slack_api import FakeSlack
from tests.test_serve import DEALBOT, free_port, start, stop, wait_for, wait_healthy

SECRET = "edge-test-signing-secret-5f3a9c1d77"
TOKEN = "xoxb-edge-test-token-4242"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
SMALL_LIMIT = 65536  # [inbox] max_body_bytes of the shared serve
_ids = itertools.count(1)


# --- a running serve and how to talk to it ---------------------------------------------------


@dataclass
class Serve:
    proc: subprocess.Popen[bytes]
    port: int
    db: Path
    log: Path
    fake: FakeSlack

    def request(
        self,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> tuple[int, str, float]:
        """(status, body, seconds) of one request; an HTTP error status is an answer too."""
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=body,
            headers=headers or {},
            method="POST" if body is not None else "GET",
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode(), time.monotonic() - started
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), time.monotonic() - started

    def post(self, body: bytes, headers: dict[str, str], timeout: float = 10) -> tuple[int, str]:
        status, text, _ = self.request("/slack/events", body=body, headers=headers, timeout=timeout)
        return status, text

    def command(
        self, text: str, *, team: str = "T-edge", timeout: float = 10
    ) -> tuple[str, int, str, float]:
        """A signed slash command; (response_url key, status, answer body, seconds)."""
        command, _, rest = text.partition(" ")
        key = f"e{next(_ids)}"
        body = signing.command_body(
            command=command,
            text=rest,
            user_id="U1",
            team_id=team,
            channel_id="C1",
            channel_name="sales",
            trigger_id=f"trig-{key}",
            response_url=f"{self.fake.base}/response/{key}",
        )
        status, answer, took = self.request(
            "/slack/events",
            body=body,
            headers=signing.headers(body, SECRET, content_type=FORM),
            timeout=timeout,
        )
        return key, status, answer, took

    def response(self, key: str, timeout: float = 20) -> dict[str, Any]:
        assert wait_for(lambda: bool(self.fake.responses.get(key)), timeout), f"no answer {key}"
        return self.fake.responses[key][0]

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(self.db, timeout=10)) as conn:
            return conn.execute(sql).fetchall()

    def count(self, table: str) -> int:
        return self.rows(f"select count(*) from {table}")[0][0]

    def rss_kb(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


def write_config(tmp: Path, fake: FakeSlack, port: int, db: Path, inbox: str = "") -> Path:
    path = tmp / f"edge-{port}.toml"
    path.write_text(f"""
[database]
url = "sqlite:///{db}"
[server]
port = {port}
[slack]
bot_token = "{TOKEN}"
signing_secret = "{SECRET}"
api_base_url = "{fake.url}"
[outbox]
poll_seconds = 0.1
[scheduler]
interval_seconds = 3600
[inbox]
poll_seconds = 0.2
{inbox}
""")
    return path


@contextlib.contextmanager
def serving(
    tmp: Path, fake: FakeSlack, *, inbox: str = "", verbose: bool = False
) -> Iterator[Serve]:
    port = free_port()
    db = tmp / f"edge-{port}.db"
    config = write_config(tmp, fake, port, db, inbox)
    log = tmp / f"serve-{port}.log"
    if verbose:  # `-v` belongs to the group, before `serve`
        proc = subprocess.Popen(
            [str(DEALBOT), "-v", "serve", "--config", str(config)],
            cwd=tmp,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
    else:
        proc = start(config, log)
    try:
        wait_healthy(port, proc, log)
        yield Serve(proc, port, db, log, fake)
    finally:
        if proc.poll() is None:
            assert stop(proc) == 0, log.read_text()[-5000:]


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """The shared serve, with a small body limit."""
    tmp = tmp_path_factory.mktemp("edge")
    with FakeSlack() as fake, serving(tmp, fake, inbox=f"max_body_bytes = {SMALL_LIMIT}") as s:
        yield s


def log_lines(serve: Serve) -> list[str]:
    return serve.log.read_text(errors="replace").splitlines()


def errors_in(serve: Serve) -> list[str]:
    return [line for line in log_lines(serve) if '"level": "ERROR"' in line]


# --- raw sockets ----------------------------------------------------------------------------


def connect(port: int, timeout: float = 5) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def head(headers: dict[str, str], path: str = "/slack/events") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def status_line(sock: socket.socket, timeout: float) -> str:
    """The first line the server sent, waiting at most `timeout` seconds."""
    sock.settimeout(timeout)
    data = b""
    with contextlib.suppress(OSError):
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0].decode(errors="replace")


def status_of(line: str) -> int:
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


# --- 1. body size limit ---------------------------------------------------------------------


def test_a_declared_gigabyte_is_refused_at_once_without_buffering(serve: Serve) -> None:
    before = serve.rss_kb()
    with connect(serve.port) as sock:
        started = time.monotonic()
        sock.sendall(head({"Content-Type": JSON, "Content-Length": str(1 << 30)}))
        sock.sendall(b'{"type": "event_callback", "pad": "' + b"x" * 4096)
        line = status_line(sock, timeout=1.0)
        took = time.monotonic() - started
        # whatever the server still lets in must not be kept either
        sock.settimeout(0.5)
        with contextlib.suppress(OSError):
            for _ in range(128):
                sock.sendall(b"y" * 65536)
    assert status_of(line) == 413, line
    assert took < 1.0, took
    time.sleep(0.3)
    grown_mb = (serve.rss_kb() - before) / 1024
    assert grown_mb < 20, f"RSS grew by {grown_mb:.1f} MB"


def _event(ts: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": "U1",
        "text": text,
        "ts": ts,
        "channel": "C5",
        "channel_type": "channel",
        "team": "T-edge",
    } | extra


def test_a_chunked_body_over_the_limit_gets_413_and_stores_nothing(serve: Serve) -> None:
    before = serve.count("inbox")
    # a correctly signed, well-formed event, just too big (about 1 MB, no Content-Length)
    event = _event("1700000000.000100", "<@UBOT> log Acme call " + "z" * 1_000_000)
    body = signing.event_body(event, team="T-edge", event_id="EvBig")
    headers = signing.headers(body, SECRET) | {"Transfer-Encoding": "chunked"}
    with connect(serve.port) as sock:
        sock.sendall(head(headers))
        sent = 0
        for i in range(0, len(body), 16384):
            if select.select([sock], [], [], 0)[0]:
                break  # the server answered already
            piece = body[i : i + 16384]
            try:
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            except OSError:
                break
            sent += len(piece)
        else:
            with contextlib.suppress(OSError):
                sock.sendall(b"0\r\n\r\n")
        line = status_line(sock, timeout=5)
    assert sent > SMALL_LIMIT  # it really streamed past the limit
    assert status_of(line) == 413, line
    time.sleep(0.5)
    assert serve.count("inbox") == before


# --- 2. slow partial requests ---------------------------------------------------------------


def test_slow_partial_requests_do_not_starve_the_others(serve: Serve) -> None:
    held: list[socket.socket] = []
    try:
        for i in range(300):
            sock = connect(serve.port)
            sock.sendall(f"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slow-{i}: ".encode())
            held.append(sock)
        time.sleep(0.2)
        status, body, took = serve.request("/healthz", timeout=5)
        assert (status, took < 1.0) == (200, True), (status, body, took)
        key, status, answer, took = serve.command("/log Acme call during slowloris", timeout=5)
        assert (status, took < 1.0) == (200, True), (status, answer, took)
        assert "logged a call" in serve.response(key).get("text", "")
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.5)
    assert serve.request("/healthz")[0] == 200
    text = serve.log.read_text(errors="replace")
    assert "Traceback" not in text, text[-5000:]
    assert len(errors_in(serve)) < 20, errors_in(serve)[:5]


# --- 4. signed but malformed payloads -------------------------------------------------------


def _callback(event: Any) -> bytes:
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T-edge",
            "api_app_id": "A1",
            "event": event,
            "event_id": f"Ev{next(_ids)}",
        }
    ).encode()


def _command(**fields: str) -> bytes:
    base = {
        "command": "/log",
        "text": "Acme call malformed",
        "user_id": "U1",
        "team_id": "T-edge",
        "channel_id": "C1",
        "trigger_id": f"t-{next(_ids)}",
        "response_url": "http://127.0.0.1:9/response/x",
    }
    return signing.command_body(**{k: v for k, v in (base | fields).items() if v is not None})


def _click(**extra: Any) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": "U1"},
        "team": {"id": "T-edge"},
        "actions": [{"action_id": "x", "value": "task.done:1", "action_ts": "1700000001.0001"}],
    } | extra


DEEP = 10_000  # far past json's recursion limit, and still under the shared serve's body limit
MALFORMED: dict[str, tuple[bytes, str]] = {
    "event is a list": (_callback([_event("1700000000.000200", "hi")]), JSON),
    "event.ts not a timestamp": (_callback(_event("abc", "<@UBOT> log Acme call x")), JSON),
    "event.user a dict": (_callback(_event("1700000000.000300", "hi", user={"id": "U1"})), JSON),
    "deep JSON": (('{"a":' * DEEP + "1" + "}" * DEEP).encode(), JSON),
    "event deep inside": (_callback({"a": json.loads("[" * 900 + "]" * 900)}), JSON),
    "interactivity payload a list": (signing.action_body([_click()]), FORM),  # type: ignore[arg-type]
    "slash command without trigger_id": (_command(trigger_id=None), FORM),  # type: ignore[arg-type]
    "event.thread_ts a number": (
        _callback(_event("1700000000.000400", "hi", thread_ts=1700000000)),
        JSON,
    ),
    "event.subtype a list": (_callback(_event("1700000000.000500", "hi", subtype=["x"])), JSON),
    "click channel a string": (signing.action_body(_click(channel="C1")), FORM),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_signed_malformed_payloads_get_400_and_store_nothing(serve: Serve, case: str) -> None:
    body, content_type = MALFORMED[case]
    assert len(body) < SMALL_LIMIT
    before = serve.count("inbox")
    status, answer = serve.post(body, signing.headers(body, SECRET, content_type=content_type))
    assert status == 400, (status, answer)
    time.sleep(0.2)
    assert serve.count("inbox") == before


def test_a_click_without_a_channel_does_not_stop_every_later_answer(tmp_path: Path) -> None:
    """A signed click that names no channel (no container.channel_id, no channel): refused
    at the edge, or handled; either way the answers to everyone else keep going out."""
    with FakeSlack() as fake, serving(tmp_path, fake) as s:
        key, _, _, _ = s.command("/log Acme call before the click")
        assert "logged a call" in s.response(key).get("text", "")
        body = signing.action_body(_click(response_url=f"{fake.base}/response/click"))
        status, answer = s.post(body, signing.headers(body, SECRET, content_type=FORM))
        assert status in (200, 400), (status, answer)
        key, status, _, _ = s.command("/log Acme call after the click")
        assert status == 200
        assert wait_for(lambda: bool(fake.responses.get(key)), 10), (
            s.rows("select id, status, attempts, last_error from outbox"),
            [x[:300] for x in errors_in(s)][:3],
        )
        assert not [x for x in errors_in(s) if "outbox round failed" in x]


@pytest.mark.parametrize("case", ["forged", "stale", "unsigned"])
def test_unverified_requests_get_401_and_store_nothing(serve: Serve, case: str) -> None:
    body = _command(text=f"Evil call {case}")
    headers = {
        "forged": signing.headers(body, "not-the-secret-at-all", content_type=FORM),
        "stale": signing.headers(body, SECRET, ts=int(time.time()) - 600, content_type=FORM),
        "unsigned": {"Content-Type": FORM},
    }[case]
    before = serve.count("inbox")
    assert serve.post(body, headers)[0] == 401
    time.sleep(0.2)
    assert serve.count("inbox") == before


# --- 5. the database locked by another process ----------------------------------------------


@dataclass
class LockedPhase:
    answers: dict[str, tuple[int, str, float]] = field(default_factory=dict)
    command_key: str = ""
    held_for: float = 0.0
    stalls: list[float] = field(default_factory=list)  # latencies of requests that need no store


LOCKED_LINE = "/log Acme call while locked"


@pytest.fixture(scope="module")
def locked(serve: Serve) -> LockedPhase:
    """What the serve answered while another process held SQLite's write lock: the probes and
    a command at once (unsigned requests, which need no store, measure the event loop
    meanwhile), then an event."""
    phase = LockedPhase()
    mention = _event(f"17000009{next(_ids):02d}.000100", "<@UBOT> log Acme call event locked")
    event = signing.event_body(mention, team="T-locked", event_id="EvLocked")
    unsigned = _command(text="Nobody call unsigned")
    holder = sqlite3.connect(serve.db, timeout=10, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    try:
        done = threading.Event()

        def command() -> tuple[int, str, float]:
            try:
                key, status, answer, took = serve.command(LOCKED_LINE, team="T-locked")
            finally:
                done.set()
            phase.command_key = key
            return status, answer, took

        def watch_the_loop() -> tuple[int, str, float]:
            while not done.is_set():
                status, _, took = serve.request(
                    "/slack/events", body=unsigned, headers={"Content-Type": FORM}
                )
                assert status == 401
                phase.stalls.append(took)
                time.sleep(0.05)
            return 0, "", 0.0

        calls: dict[str, Callable[[], tuple[int, str, float]]] = {
            "healthz": lambda: serve.request("/healthz"),
            "metrics": lambda: serve.request("/metrics"),
            "command": command,
            "loop": watch_the_loop,
        }
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            futures = {name: pool.submit(fn) for name, fn in calls.items()}
            phase.answers = {name: f.result() for name, f in futures.items()}
        phase.answers["event"] = serve.request(
            "/slack/events", body=event, headers=signing.headers(event, SECRET)
        )
    finally:
        phase.held_for = time.monotonic() - started
        holder.execute("ROLLBACK")
        holder.close()
    return phase


def test_probes_answer_fast_while_the_database_is_locked(locked: LockedPhase) -> None:
    status, body, took = locked.answers["healthz"]
    assert took < 1.5 and status in (200, 503), (status, body, took)
    if status == 503:
        assert json.loads(body)["status"] == "unhealthy"
    status, body, took = locked.answers["metrics"]
    assert (status, took < 1.5) == (200, True), (status, took)
    assert "dealbot_database_up" in body


def test_a_command_while_locked_is_told_not_saved_within_slacks_deadline(
    locked: LockedPhase,
) -> None:
    status, body, took = locked.answers["command"]
    assert (status, took < 3.0) == (200, True), (status, body, took)
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral"
    assert "nothing was recorded" in answer["text"] and LOCKED_LINE in answer["text"], answer


def test_an_event_the_database_cannot_take_gets_503(locked: LockedPhase) -> None:
    status, body, took = locked.answers["event"]
    assert (status, took < 3.0) == (503, True), (status, body, took)


def test_the_event_loop_never_waits_on_a_locked_store(locked: LockedPhase) -> None:
    """A 401 costs an HMAC and no database: while a delivery waits on the lock, such requests
    must still be answered at once (here: within 0.4 s), not after a blocking wait."""
    assert len(locked.stalls) > 10, locked.stalls
    assert max(locked.stalls) < 0.4, sorted(locked.stalls)[-5:]


def test_after_the_lock_the_bot_stores_and_answers_again(serve: Serve, locked: LockedPhase) -> None:
    assert locked.held_for >= 4.0
    key, status, answer, _ = serve.command("/log Acme call after the lock", team="T-locked")
    assert (status, answer) == (200, "")
    assert "logged a call" in serve.response(key, timeout=40).get("text", "")
    assert serve.rows("select count(*) from activities where text like '%after the lock%'") == [
        (1,)
    ]
    assert serve.request("/healthz")[0] == 200


def test_a_command_told_not_saved_is_not_recorded_later(serve: Serve, locked: LockedPhase) -> None:
    """The person was told "nothing was recorded, send it again": if it were recorded after
    all, sending it again (as told) would log the call twice."""
    key, _, answer, _ = serve.command("/log Acme call after the lock check", team="T-locked")
    assert answer == ""
    serve.response(key, timeout=40)  # the bot has caught up with whatever was stored
    time.sleep(1.0)
    assert serve.rows("select count(*) from activities where text like '%while locked%'") == [(0,)]
    assert locked.command_key not in serve.fake.responses, serve.fake.responses.get(
        locked.command_key
    )


# --- 6./7. back-pressure --------------------------------------------------------------------


def test_past_max_depth_commands_are_told_busy_and_events_get_503(tmp_path: Path) -> None:
    with FakeSlack() as fake:
        fast = fake.answer

        def answer(method, body):  # type: ignore[no-untyped-def]
            if method == "users.info":
                time.sleep(1.0)  # every profile lookup is slow: the backlog is real
            return fast(method, body)

        fake.answer = answer  # type: ignore[method-assign]
        with serving(tmp_path, fake, inbox="max_depth = 3") as s:
            lines = [f"/log Acme call backlog number {i}" for i in range(12)]
            with ThreadPoolExecutor(max_workers=12) as pool:
                # a workspace each: no profile is cached, no customer belongs to another
                answers = list(
                    pool.map(lambda i: s.command(lines[i], team=f"T-busy-{i}"), range(12))
                )
            health_status, health, _ = s.request("/healthz")
            mention = _event("1700001000.000100", "<@UBOT> log Acme call busy event")
            event = signing.event_body(mention, team="T-busy-0", event_id="EvBusy")
            event_status, event_body = s.post(event, signing.headers(event, SECRET))

            assert [status for _, status, _, _ in answers] == [200] * 12
            stored = [key for key, _, body, _ in answers if body == ""]
            busy = [(i, json.loads(body)) for i, (_, _, body, _) in enumerate(answers) if body]
            assert stored and busy, answers
            for i, reply in busy:
                assert reply["response_type"] == "ephemeral", reply
                text = reply["text"]
                assert "nothing was recorded" in text and "send it again" in text, text
                assert lines[i] in text, (lines[i], text)
            # /healthz (/readyz) says the inbox is why the edge turns deliveries away
            health_body = json.loads(health)
            backlog = health_body["inbox"]["backlog"]
            assert backlog > 0, health
            if backlog >= 3:
                assert health_status == 503, health
                assert health_body["status"] == "saturated", health
                assert health_body["saturated"] == ["inbox"], health
                assert health_body["database"] == "ok", health
            else:
                assert (health_status, health_body["status"]) == (200, "ok"), health
            assert event_status == 503, event_body

            assert wait_for(lambda: s.count("activities") == len(stored), 60), (
                s.count("activities"),
                len(stored),
            )
            for key in stored:
                assert "logged a call" in s.response(key, timeout=30).get("text", "")
            time.sleep(0.5)
            assert s.count("activities") == len(stored)
            assert not any(key in fake.responses for key, _, body, _ in answers if body)


# --- 3./8. logs -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def verbose(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """A serve run with `dealbot -v serve` and the default body limit."""
    tmp = tmp_path_factory.mktemp("verbose")
    with FakeSlack() as fake, serving(tmp, fake, verbose=True) as s:
        yield s


def test_a_client_leaving_mid_upload_is_a_debug_line_not_a_traceback(verbose: Serve) -> None:
    with connect(verbose.port) as sock:
        sock.sendall(head({"Content-Type": JSON, "Content-Length": "100000"}))
        sock.sendall(b'{"type": "event_callback", "pad": "' + b"x" * 1000)
        time.sleep(0.2)
    left = "client left before sending its whole body"
    assert wait_for(lambda: left in verbose.log.read_text(errors="replace"), 5)
    assert verbose.request("/healthz")[0] == 200
    text = verbose.log.read_text(errors="replace")
    assert "Traceback" not in text, text[-5000:]
    [line] = [json.loads(x) for x in text.splitlines() if left in x]
    assert line["level"] == "DEBUG"


def test_verbose_logs_have_debug_lines_and_no_secret_or_capability(verbose: Serve) -> None:
    key, status, _, _ = verbose.command("/log Acme call with a capability url")
    assert status == 200
    assert "logged a call" in verbose.response(key).get("text", "")
    time.sleep(0.5)
    assert stop(verbose.proc) == 0
    text = verbose.log.read_text(errors="replace")
    entries = [json.loads(x) for x in text.splitlines() if x.startswith("{")]
    assert any(e["level"] == "DEBUG" for e in entries), text[-3000:]
    for leak in (f"/response/{key}", TOKEN, SECRET):
        assert leak not in text, [x for x in text.splitlines() if leak in x][:3]
