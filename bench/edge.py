"""The edge under abuse: a declared 1 GB unsigned body, and N slow partial requests held open.

Starts a real `dealbot serve` (SQLite) against the local fake Slack API. Reports how fast the
1 GB body is refused and how much the edge's memory grew, then, with N connections that sent
half a request and stopped, how long /healthz and a signed /log take to answer — against the
same two measured with no slow connections (the baseline, same run).
Run:  .venv/bin/python bench/edge.py [--slow 1000]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.slack_api import FakeSlack
from tests.kits import slack as kit
from tests.test_serve import free_port, serve_config, start, stop, wait_healthy


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def timed_get(port: int) -> float:
    t0 = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
        r.read()
    return time.monotonic() - t0


def timed_log(port: int, fake: FakeSlack, n: int) -> float:
    body, headers = kit.command(fake, f"Acme call edge bench {n}")
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{kit.PATH}", data=body, headers=headers, method="POST"
    )
    t0 = time.monotonic()
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()
        assert r.status == 200
    return time.monotonic() - t0


def gigabyte(port: int) -> tuple[int, float]:
    s = socket.create_connection(("127.0.0.1", port))
    t0 = time.monotonic()
    s.sendall(
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1073741824\r\n\r\n" + b"x" * 65536
    )
    status = int(s.recv(200).split()[1])
    took = time.monotonic() - t0
    s.close()
    return status, took


def slow_partials(port: int, n: int) -> list[socket.socket]:
    held = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Le")  # and nothing more
        held.append(s)
    return held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slow", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        port = free_port()
        cfg = serve_config(Path(tmp), f"sqlite:///{tmp}/edge.db", fake, port, secret=kit.SECRET)
        log = Path(tmp) / "serve.log"
        proc = start(cfg, log)
        try:
            wait_healthy(port, proc, log)
            for n in range(5):  # warm up both paths
                timed_get(port), timed_log(port, fake, n)
            base_h = statistics.median(timed_get(port) for _ in range(20))
            base_l = statistics.median(timed_log(port, fake, 100 + n) for n in range(20))
            before = rss_kb(proc.pid)
            status, took = gigabyte(port)
            grew = (rss_kb(proc.pid) - before) / 1024
            held = slow_partials(port, args.slow)
            time.sleep(1)
            under_h = [timed_get(port) for _ in range(20)]
            under_l = [timed_log(port, fake, 200 + n) for n in range(20)]
            for s in held:
                s.close()
        finally:
            code = stop(proc)
    print(
        f"declared 1 GB unsigned body: HTTP {status} in {took * 1000:.1f} ms, "
        f"edge RSS grew {grew:.1f} MB (target: 413 within 1 s, < 20 MB)"
    )
    for name, base, under in (("/healthz", base_h, under_h), ("signed /log", base_l, under_l)):
        print(
            f"{name:<12} baseline p50 {base * 1000:6.1f} ms; with {args.slow} slow partial "
            f"requests p50 {statistics.median(under) * 1000:6.1f} ms, max "
            f"{max(under) * 1000:6.1f} ms ({statistics.median(under) / base:.2f}x; "
            f"target: within 1 s)"
        )
    print(f"serve exit code {code}")


if __name__ == "__main__":
    main()
