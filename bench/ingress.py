"""Slack ingress: how many signed /log commands `dealbot serve` acknowledges per second, and how
fast, against a bare slack-bolt app that only acks.

C concurrent clients (raw HTTP/1.1 keep-alive, one connection each, in a process of their own)
send signed /log slash commands, each awaiting its answer, for S seconds. The baseline, measured
in the same run, is a slack-bolt App whose one listener only calls ack(), on uvicorn in its own
process, acking inline (process_before_response=True); the same app in bolt's default mode is
shown too, but it is held back by bolt's own 10 ms ack poll, so nothing is judged against it.
dealbot runs with no backlog limit here ([inbox] max_depth): this measures how fast it stores
and acknowledges, not its back-pressure. dealbot is a real `dealbot serve` against the local fake Slack API, on a fresh SQLite
file and/or a fresh PostgreSQL database; afterwards every acked command must be stored exactly
once (activities, inbox) and answered on its response_url (ack → answer latency is reported).
Targets: throughput ≥ 0.5× baseline, ack p99 ≤ 100 ms, 0 errors, every command stored once.
Run:  .venv/bin/python bench/ingress.py [--seconds 30] [--clients 50] [--db sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from storage import db
from storage.models import Activity
from storage.transit import InboxItem
from tests.conftest import empty_pg_database
from tests.fakes import slack_signing
from tests.fakes.slack_api import FakeSlack
from tests.test_serve import free_port, start, stop, wait_for, wait_healthy

SECRET = "bench-signing-secret"
FORM = "application/x-www-form-urlencoded"
BASE, INLINE = "baseline (bolt)", "bolt inline ack"
Result = dict[str, Any]


def serve_baseline(port: int, api: str, inline: bool) -> None:
    """The bare bolt app; its one auth.test (bolt needs a token) goes to the fake, once."""
    import uvicorn
    from slack_bolt import App
    from slack_bolt.adapter.starlette import SlackRequestHandler
    from slack_sdk import WebClient
    from starlette.applications import Starlette
    from starlette.routing import Route

    app = App(
        signing_secret=SECRET,
        client=WebClient(token="xoxb-bench", base_url=api),
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=inline,
    )
    app.command(re.compile(r"^/.+"))(lambda ack: ack())
    handler = SlackRequestHandler(app)

    class Server(uvicorn.Server):  # a requested stop exits 0, as `dealbot serve` does
        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            self._captured_signals.clear()

    routes = [Route("/slack/events", handler.handle, methods=["POST"])]
    Server(
        uvicorn.Config(
            Starlette(routes=routes),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
        )
    ).run()


async def client(port: int, base: str, label: str, n: int, step: int, end: float, out: Result):
    conn = None
    while time.monotonic() < end:
        key = f"{label}{n}"  # distinct trigger_id and response_url per request and target
        body = slack_signing.command_body(
            command="/log",
            text=f"Acme call note {n}",
            user_id="U1",
            team_id="T1",
            channel_id="C1",
            channel_name="sales",
            trigger_id=key,
            response_url=f"{base}/response/{key}",
        )
        n += step
        head = f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + "".join(
            f"{k}: {v}\r\n"
            for k, v in slack_signing.headers(body, SECRET, content_type=FORM).items()
        )  # signed now: the signature is good for 5 minutes
        t0 = time.monotonic()
        try:
            conn = conn or await asyncio.open_connection("127.0.0.1", port)
            conn[1].write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
            async with asyncio.timeout(30):
                lines = (await conn[0].readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                fields = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (h.partition(":") for h in lines[1:])
                }
                answer = await conn[0].readexactly(int(fields.get("content-length", "0")))
            status, close = int(lines[0].split()[1]), fields.get("connection") == "close"
        except (OSError, EOFError, TimeoutError, ValueError, asyncio.IncompleteReadError) as e:
            out["errors"][f"connection: {e.__class__.__name__}"] += 1
            status, close = 0, True
        t1 = time.monotonic()
        if status == 200 and not answer:  # stored (dealbot) / acked (bolt): an empty 200
            out["acks"].append((key, t1, t1 - t0))
        elif status:  # e.g. dealbot's private "not saved, send it again" (a 200 with a body)
            out["errors"][f"HTTP {status} " + re.sub(r"\d+", "N", answer[:130].decode())] += 1
        if close and conn:
            conn[1].close()
            conn = None


def load(port: int, base: str, label: str, clients: int, seconds: float) -> Result:
    """Runs in its own process, so the fake Slack's threads never share the clients' GIL."""
    out: Result = {"acks": [], "errors": Counter()}

    async def run() -> None:
        end = time.monotonic() + seconds
        await asyncio.gather(
            *(client(port, base, label, i, clients, end, out) for i in range(clients))
        )

    cpu, out["start"] = time.process_time(), time.monotonic()  # CLOCK_MONOTONIC: system-wide
    asyncio.run(run())
    elapsed = time.monotonic() - out["start"]
    lat = [a[2] for a in out["acks"]]
    out.update(
        rps=len(lat) / elapsed,
        p50=pct(lat, 50),
        p99=pct(lat, 99),
        max=max(lat, default=0) * 1000,
        nerr=sum(out["errors"].values()),
        cpu=(time.process_time() - cpu) / elapsed,
    )
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else 0


def measure(port: int, fake: FakeSlack, label: str, args: argparse.Namespace) -> Result:
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:  # a process of its own
        return pool.submit(load, port, fake.base, label, args.clients, args.seconds).result()


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def run_baseline(fake: FakeSlack, args: argparse.Namespace, inline: bool) -> Result:
    port = free_port()
    cmd = [sys.executable, __file__, "--baseline-port", str(port), "--api", fake.url]
    proc = subprocess.Popen(cmd + ["--inline"] * inline)
    try:
        assert wait_for(lambda: listening(port) or proc.poll() is not None, 30)
        assert proc.poll() is None, "the baseline did not start"
        res = measure(port, fake, "bi" if inline else "bl", args)
    finally:
        code = stop(proc)
    return {**res, "exit": code}


LIMIT = 300  # seconds to wait for the backlog to be handled before reporting what was


def drain(url: str, n: int) -> float | None:
    """Seconds until `n` activities are stored; waits past 120 s (up to LIMIT) while the
    count still grows, so that a slow drain is told apart from a loss."""
    count = counter(url)
    t0 = last = time.monotonic()
    seen, done = -1, None
    while (now := time.monotonic()) - t0 < LIMIT and (now - last < 20 or now - t0 < 120):
        got = count()
        if got >= n:
            done = now - t0
            break
        seen, last = (got, now) if got > seen else (seen, last)
        time.sleep(0.5)
    return done


def counter(url: str) -> Callable[[], int]:
    """How many activities are stored, read as an onlooker: on SQLite a read-only connection,
    which WAL lets read beside the writer (the store's own sessions begin IMMEDIATE, as a
    writer, and would queue behind a worker busy with a backlog)."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")

        def on_sqlite() -> int:
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as c:
                return int(c.execute("SELECT count(*) FROM activities").fetchone()[0])

        return on_sqlite
    sessions = db.open_store(url, migrate=False)

    def on_postgres() -> int:
        with sessions() as s:
            return s.scalar(select(func.count(Activity.id))) or 0

    return on_postgres


def run_dealbot(name: str, url: str, fake: FakeSlack, tmp: Path, args: argparse.Namespace):
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    port, config, log = free_port(), tmp / f"{name}.toml", tmp / f"{name}.log"
    config.write_text(
        f'[database]\nurl = "{url}"\n[server]\nport = {port}\n[slack]\nbot_token = "xoxb-b"\n'
        f'signing_secret = "{SECRET}"\napi_base_url = "{fake.url}"\n'
        "[outbox]\npoll_seconds = 0.05\n[scheduler]\ninterval_seconds = 3600\n"
        # ingress capacity, not back-pressure: a backlog limit would answer "busy" instead
        "[inbox]\nmax_depth = 10000000\n"
    )
    proc = start(config, log)
    try:
        wait_healthy(port, proc, log)
        res = measure(port, fake, name, args)
        acked = {k for k, _, _ in res["acks"]}
        res["drain"] = drain(url, len(acked))
        wait_for(lambda: acked <= fake.answered_at.keys(), 30)
    finally:
        code = stop(proc)
    sessions = db.open_store(url, migrate=False)
    with sessions() as s:
        notes = Counter(re.sub(r"\D", "", t) for t in s.scalars(select(Activity.text)))
        inbox = dict(Counter(s.scalars(select(InboxItem.status))))
        rows = s.scalar(select(func.count(InboxItem.id)))
        keys = Counter(
            k.removeprefix("command:") for k in s.scalars(select(InboxItem.delivery_key))
        )
    sessions.kw["bind"].dispose()
    want = Counter(k.removeprefix(name) for k in acked)
    t_ack, first = {k: t for k, t, _ in res["acks"]}, fake.first_post  # type: ignore[attr-defined]
    waits = [first[k] - t_ack[k] for k in acked if k in first]
    last = max((first[k] for k in acked if k in first), default=res["start"] + 1)
    warnings = re.findall(
        r'"level": "(?:WARNING|ERROR|CRITICAL)".*?"msg": "(.{0,90})', log.read_text()
    )
    res.update(
        exit=code,
        inbox=inbox,
        activities=notes.total(),
        missing=len(want - notes),
        doubled=sum((notes - want).values()),
        once=keys == Counter(acked) and rows == len(acked) and not notes - want,
        answered=len(waits),
        a50=pct(waits, 50),
        a99=pct(waits, 99),
        handled=len(waits) / (last - res["start"]),
        log=Counter(warnings),
        twice=sum(len(fake.responses[k]) > 1 for k in acked if k in fake.responses),
    )
    return res


def report(results: dict[str, Result], args: argparse.Namespace) -> None:
    git = ["git", "-C", str(Path(__file__).parent), "describe", "--always", "--dirty"]
    commit = subprocess.run(git, capture_output=True, text=True, check=False).stdout.strip()
    print(
        f"\ncommit {commit}, {args.clients} clients x {args.seconds:g} s, "
        f"nproc {os.cpu_count()}. Ack latency and answer (ack → first post on its response_url) "
        "in ms; handled/s: answers posted per second since the load began; drain: s from the "
        "load's end to the last activity\n"
    )
    cols = ["req/s", "p50", "p99", "max", "errors", "handled/s", "ans p50", "ans p99", "drain s"]
    print(f"{'target':<18}" + "".join(f"{c:>10}" for c in cols) + f"{'client CPU':>11}{'exit':>5}")
    for name, r in results.items():
        cells = [r["rps"], r["p50"], r["p99"], r["max"], r["nerr"]]
        cells += [r.get(k, "-") for k in ("handled", "a50", "a99", "drain")]
        row = "".join(f"{c:>10.1f}" if isinstance(c, float) else f"{c!s:>10}" for c in cells)
        print(f"{name:<18}{row}{r['cpu']:>11.0%}{r['exit']:>5}")
        for error, n in r["errors"].most_common(5):
            print(f"    error x{n}: {error}")
    for name, r in results.items():
        if name in (BASE, INLINE):
            continue
        # the target's baseline is bolt acking inline (process_before_response): the default
        # bolt app is held back by its own 10 ms ack poll, and any target would pass against it
        ratio = r["rps"] / results[INLINE]["rps"]
        print(
            f"\n{name}: throughput {ratio:.2f}x bolt inline ack (the baseline), "
            f"{r['rps'] / results[BASE]['rps']:.2f}x bolt default"
        )
        drained = "never" if r["drain"] is None else f"{r['drain']:.1f} s"
        stored = (
            f"stored exactly once: {len(r['acks'])} acked = inbox rows; handled so far "
            f"{r['activities']} ({r['missing']} waiting, {r['doubled']} doubled or not "
            f"acked), inbox {r['inbox']}"
        )
        for what, ok in [
            (f"throughput {ratio:.2f}x baseline (>= 0.5x)", ratio >= 0.5),
            (f"ack p99 {r['p99']:.1f} ms (<= 100 ms)", r["p99"] <= 100),
            (f"errors {r['nerr']} (0)", r["nerr"] == 0),
            (stored, r["once"]),
            (f"all handled {drained} after the load ended (<= {LIMIT} s)", r["drain"] is not None),
        ]:
            print(f"  {'PASS' if ok else 'FAIL'}  {what}")
        print(
            f"  answered on response_url: {r['answered']}/{len(r['acks'])}, "
            f"{r['twice']} answered twice; serve exit code {r['exit']}"
        )
        for line, n in r["log"].most_common(5):
            print(f"  serve log warning/error x{n}: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--baseline-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--inline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_port:
        return serve_baseline(args.baseline_port, args.api, args.inline)
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        fake.first_post = first_post = {}  # type: ignore[attr-defined]
        respond = fake.respond  # wrapped: the monotonic time of each key's first post

        def timed(key: str, body: dict[str, Any]) -> None:
            first_post.setdefault(key, time.monotonic())
            respond(key, body)

        fake.respond = timed  # type: ignore[method-assign]
        results[BASE] = run_baseline(fake, args, inline=False)
        results[INLINE] = run_baseline(fake, args, inline=True)
        if args.db in ("sqlite", "both"):
            url = f"sqlite:///{tmp}/bench.db"
            results["dealbot sqlite"] = run_dealbot("sq", url, fake, Path(tmp), args)
        if args.db in ("postgres", "both"):
            with empty_pg_database() as url:  # CREATE DATABASE …; DROP … WITH (FORCE) after
                results["dealbot postgres"] = run_dealbot("pg", url, fake, Path(tmp), args)
    report(results, args)


if __name__ == "__main__":
    main()
