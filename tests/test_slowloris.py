"""A real `dealbot serve` against clients that hold connections without finishing a request
(slowloris): a head not sent within `[server] header_timeout_seconds` is closed; half-open
connections never count against `[inbox] max_connections`, so real signed requests are served
while they are held; one address holds at most `[server] max_connections_per_client`, its
oldest waiting connection making room; and requests really in progress past max_connections
still get 503. bench/slowloris.py measures the same at 2,100 connections on every platform."""

from __future__ import annotations

import contextlib
import http.client
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.kits import slack as kit
from tests.test_serve import free_port, start, stop, wait_healthy

HALF_HEAD = b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@contextlib.contextmanager
def serving(tmp: Path, fake: FakeSlack, server: str, inbox: str) -> Iterator[int]:
    """serve with Slack on its fake and these [server] and [inbox] keys; its port."""
    port = free_port()
    config = tmp / f"slowloris-{port}.toml"
    config.write_text(f"""
[database]
url = "sqlite:///{tmp / f"slowloris-{port}.db"}"
[server]
port = {port}
{server}
[inbox]
{inbox}
[scheduler]
interval_seconds = 3600
{kit.config(fake)}""")
    log = tmp / f"serve-{port}.log"
    proc = start(config, log)
    try:
        wait_healthy(port, proc, log)
        yield port
    finally:
        assert stop(proc) == 0, log.read_text()[-5000:]


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    return sock


def half_open(port: int, n: int, source: str = "127.0.0.1") -> list[socket.socket]:
    """n connections that sent half a request head and stall."""
    held = []
    for i in range(n):
        sock = connect(port, source)
        sock.sendall(HALF_HEAD + str(i).encode())
        held.append(sock)
    return held


def in_progress(port: int, n: int, source: str = "127.0.0.1") -> list[socket.socket]:
    """n requests whose head is in and whose body never comes: requests in progress."""
    held = []
    for _ in range(n):
        sock = connect(port, source)
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            b"application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nx=1"
        )
        held.append(sock)
    return held


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """The server closed this connection (an EOF or a reset) within `within` seconds."""
    sock.settimeout(within)
    try:
        while sock.recv(4096):
            pass  # a response before the close (a 503 refusal) is a close too
        return True
    except TimeoutError:
        return False
    except OSError:
        return True


def still_open(sock: socket.socket) -> bool:
    return not closed_by_server(sock, 0.01)


def signed(port: int, fake: FakeSlack, text: str, source: str = "127.0.0.1") -> int:
    """A signed slash command from this address; its status (0: the connection failed)."""
    body, headers = kit.command(fake, text)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("POST", kit.PATH, body=body, headers=headers)
        return conn.getresponse().status
    except OSError:
        return 0
    finally:
        conn.close()


def close(socks: list[socket.socket]) -> None:
    for sock in socks:
        sock.close()


# --- the header deadline ---------------------------------------------------------------------


def test_a_head_not_finished_in_time_is_closed_and_stop_stays_clean(tmp_path: Path) -> None:
    with FakeSlack() as fake, serving(tmp_path, fake, "header_timeout_seconds = 1", "") as port:
        stalled = half_open(port, 1)[0]
        silent = connect(port)  # connected, never sent a byte
        trickling = connect(port)  # a header line every 0.3 s: the deadline is for the whole head
        trickling.sendall(b"POST /slack/events HTTP/1.1\r\n")
        started = time.monotonic()
        with contextlib.suppress(OSError):
            while time.monotonic() - started < 6:
                trickling.sendall(b"X-Trickle: 1\r\n")
                time.sleep(0.3)
        try:
            assert closed_by_server(stalled, 5)
            assert closed_by_server(silent, 5)
            assert closed_by_server(trickling, 5)
            assert time.monotonic() - started < 8
            # a whole request on a kept-alive connection, then half of the next one: closed too
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            assert conn.getresponse().read() and conn.sock is not None
            conn.sock.sendall(HALF_HEAD)
            assert closed_by_server(conn.sock, 5)
            assert signed(port, fake, "Acme call after the stalls") == 200
        finally:
            close([stalled, silent, trickling])
        held = half_open(port, 50)  # SIGTERM while they are held: a clean stop (exit 0)
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 5
    close(held)


# --- half-open connections, the per-client cap, real overload -------------------------------


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, FakeSlack]]:
    """max_connections 50, at most 40 connections per address, heads given a minute (so what
    these tests see is not the header deadline), bodies a minute."""
    tmp = tmp_path_factory.mktemp("slowloris")
    server = "header_timeout_seconds = 60\nmax_connections_per_client = 40"
    inbox = "max_connections = 50\nbody_timeout_seconds = 60"
    with FakeSlack() as fake, serving(tmp, fake, server, inbox) as port:
        yield port, fake


def test_half_open_connections_past_max_connections_do_not_starve_real_requests(
    guarded: tuple[int, FakeSlack],
) -> None:
    port, fake = guarded
    held = [
        s for source in ("127.0.0.2", "127.0.0.3", "127.0.0.4") for s in half_open(port, 20, source)
    ]
    try:
        time.sleep(0.2)
        assert sum(still_open(s) for s in held) == 60  # more than max_connections, all held
        statuses = [signed(port, fake, f"Acme call while held {i}") for i in range(10)]
        assert statuses == [200] * 10
        assert sum(still_open(s) for s in held) == 60
    finally:
        close(held)


def test_one_address_holds_at_most_its_cap_and_its_real_requests_still_get_in(
    guarded: tuple[int, FakeSlack],
) -> None:
    port, fake = guarded
    held = half_open(port, 50, "127.0.0.5")
    try:
        assert [closed_by_server(s, 5) for s in held[:10]] == [True] * 10  # the oldest made room
        assert sum(still_open(s) for s in held[10:]) == 40
        # the same address: a request takes the place of its oldest half-open connection (and
        # leaves a free place when it is done)
        statuses = [
            signed(port, fake, f"Acme call from a crowded address {i}", "127.0.0.5")
            for i in range(5)
        ]
        assert statuses == [200] * 5
        assert 35 <= sum(still_open(s) for s in held[10:]) < 40
    finally:
        close(held)


def test_requests_really_in_progress_still_get_503_past_max_connections(
    guarded: tuple[int, FakeSlack],
) -> None:
    port, fake = guarded
    busy = in_progress(port, 40, "127.0.0.6") + in_progress(port, 10, "127.0.0.7")
    try:
        time.sleep(0.5)
        assert signed(port, fake, "Acme call over the limit") == 503
        # all 40 of 127.0.0.6's connections are in a request: a 41st is refused at once
        refused = connect(port, "127.0.0.6")
        assert closed_by_server(refused, 5)
    finally:
        close(busy)
    time.sleep(0.5)
    assert signed(port, fake, "Acme call once the load is gone") == 200
    assert signed(port, fake, "Acme call from the busy address", "127.0.0.6") == 200
