"""Handling: how many mixed commands a second `dealbot serve` answers end to end, against the
store's own floor measured in the same run.

End to end: a real `dealbot serve` on a fresh PostgreSQL database and/or SQLite file, with the
local fake Slack API. 40 reps in 20 channels, each with a customer and a deal made in a warm-up,
send N signed slash commands of the mix below (English and Chinese: a /log with a next step, a
stage change, a task, a question, /pipeline, /customer, /tasks) from 20 clients as fast as the
edge acks them; the clock runs from the first send to the last answer posted on a
response_url. Every command must be answered exactly once.

The floor: the same database driven directly, one connection, INSERT + UPDATE + INSERT per
transaction (psycopg for PostgreSQL, sqlite3 with dealbot's pragmas for SQLite): what any
handler that writes an activity, marks its inbox row and queues its answer must at least pay.

`--profile` instead runs the mix in this process through the Bot (no HTTP, no serve), and
prints per command kind the SQL statements, commits and CPU milliseconds: the hot path's bill.

Targets (issue 19): ≥ 250 commands/s end to end on PostgreSQL; ≤ 8 statements for /log with a
next step; ≤ 4 ms of worker CPU per command.
Run:  .venv/bin/python bench/handling.py [--commands 1200] [--db postgres|sqlite|both]
      .venv/bin/python bench/handling.py --profile [--db postgres|sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event as sa_event

from storage import db
from tests.conftest import empty_pg_database
from tests.fakes import slack_signing
from tests.fakes.slack_api import FakeSlack
from tests.test_serve import free_port, start, stop, wait_for, wait_healthy

SECRET = "bench-signing-secret"
FORM = "application/x-www-form-urlencoded"
REPS, CHANNELS, CLIENTS = 40, 20, 20
WORKERS = [1]  # [inbox] workers of the serve measured (--workers)

WARM_UP = [
    "/deal Cust{i} new license 50k",
    "/商机 客户{i} 新建 私有化部署 20万",
]
MIX = [  # (kind, text): each rep cycles through these
    ("log+next", "/log Cust{i} call Discussed pricing next: send the quote by Friday"),
    ("stage", "/deal Cust{i} stage proposal"),
    ("task", "/task Cust{i} send the contract tomorrow"),
    ("记录+下一步", "/记录 客户{i} 电话 聊了价格 下一步：周五前发报价"),
    ("pipeline", "/pipeline"),
    ("customer", "/customer Cust{i}"),
    ("log", "/log Cust{i} visit Met the CTO, demo went well"),
    ("question", "/question Cust{i} Do you support SAML single sign-on?"),
    ("tasks", "/tasks"),
    ("stage", "/deal Cust{i} stage negotiate"),
]


def commands(n: int) -> list[tuple[int, str, str]]:
    """(rep, kind, text) × n, reps interleaved as a busy team's would be."""
    out = []
    for k in range(n):
        rep = k % REPS
        kind, text = MIX[(k // REPS) % len(MIX)]
        out.append((rep, kind, text.format(i=rep)))
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


# --- end to end: dealbot serve, signed requests, the fake Slack API -------------------------


def body(rep: int, text: str, key: str, base: str) -> bytes:
    command, _, rest = text.partition(" ")
    return slack_signing.command_body(
        command=command,
        text=rest,
        user_id=f"U{rep}",
        user_name=f"rep{rep}",
        team_id="T1",
        channel_id=f"C{rep % CHANNELS}",
        channel_name=f"sales{rep % CHANNELS}",
        trigger_id=key,
        response_url=f"{base}/response/{key}",
    )


async def _send(port: int, items: list[tuple[str, bytes]], out: dict[str, Any]) -> None:
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not queue.empty():
            key, data = queue.get_nowait()
            head = f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + "".join(
                f"{k}: {v}\r\n"
                for k, v in slack_signing.headers(data, SECRET, content_type=FORM).items()
            )
            out["sent"][key] = time.time()  # as the fake stamps its answers
            writer.write(f"{head}Content-Length: {len(data)}\r\n\r\n".encode() + data)
            lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            length = next(
                (int(h.split(":", 1)[1]) for h in lines if h.lower().startswith("content-length")),
                0,
            )
            answer = await reader.readexactly(length)
            out["acked"] = time.time()  # the last ack so far
            status = int(lines[0].split()[1])
            if status != 200 or answer:
                out["errors"][f"HTTP {status} {answer[:80]!r}"] += 1
        writer.close()

    await asyncio.gather(*(client() for _ in range(CLIENTS)))


def send(port: int, base: str, batch: list[tuple[int, str, str]], label: str) -> dict[str, Any]:
    """Runs in a process of its own: the fake Slack's threads never share the clients' GIL."""
    items = [
        (f"{label}{k}", body(rep, text, f"{label}{k}", base))
        for k, (rep, _, text) in enumerate(batch)
    ]
    out: dict[str, Any] = {"sent": {}, "errors": Counter(), "acked": 0.0}
    asyncio.run(_send(port, items, out))
    return out


def twice(posts: list[dict[str, Any]]) -> bool:
    """Some message was posted more than once."""
    seen = [json.dumps(p, sort_keys=True) for p in posts]
    return len(set(seen)) < len(seen)


def config_for(url: str, port: int, fake: FakeSlack, path: Path) -> Path:
    path.write_text(
        f'[database]\nurl = "{url}"\n[server]\nport = {port}\n[slack]\nbot_token = "xoxb-b"\n'
        f'signing_secret = "{SECRET}"\napi_base_url = "{fake.url}"\n'
        "[outbox]\npoll_seconds = 0.05\n[scheduler]\ninterval_seconds = 3600\n"
        "[inbox]\nmax_depth = 10000000\n" + (f"workers = {WORKERS[0]}\n" if WORKERS[0] != 1 else "")
    )
    return path


def worker_cpu(serve_pid: int) -> float:
    """User + system CPU seconds of serve's child processes (the workers), from /proc."""
    total = 0.0
    try:
        children = Path(f"/proc/{serve_pid}/task/{serve_pid}/children").read_text().split()
    except OSError:
        return 0.0
    for child in children:  # (multiprocessing's resource tracker included: it idles)
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def machine_cpu() -> float:
    """CPU seconds the whole machine spent busy (every process: the clients, the fake, the
    edge, the workers, the database), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    idle = int(fields[3]) + int(fields[4])  # idle + iowait
    return (sum(int(f) for f in fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int | str) -> float:
    """User + system CPU seconds of one process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def harness_cpu(serve_pid: int) -> float:
    """CPU seconds of this benchmark's own processes: the fake Slack API (threads of this one)
    and the clients (its pool's process), not serve: what the measurement itself costs."""
    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    return proc_cpu(os.getpid()) + sum(proc_cpu(c) for c in children if c != str(serve_pid))


def spying(serve_pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    """With BENCH_PYSPY=<file.txt>: py-spy (not a dependency; pip install py-spy) samples the
    worker process while the batch runs, and writes its collapsed stacks there."""
    where = os.environ.get("BENCH_PYSPY")
    if not where:
        return None
    children = Path(f"/proc/{serve_pid}/task/{serve_pid}/children").read_text().split()
    worker = next(
        c for c in children if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()
    )
    extra = os.environ.get("BENCH_PYSPY_ARGS", "").split()  # e.g. --gil: CPU, not waits
    cmd = ["py-spy", "record", "-p", worker, "-f", "raw", "-o", where, "-r", "200", *extra]
    return subprocess.Popen(
        [str(Path(sys.executable).parent / cmd[0]), *cmd[1:]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run_serve(name: str, url: str, fake: FakeSlack, tmp: Path, n: int) -> dict[str, Any]:
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    port, log = free_port(), tmp / f"{name}.log"
    proc = start(config_for(url, port, fake, tmp / f"{name}.toml"), log)
    pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
    try:
        wait_healthy(port, proc, log)
        warm = [(rep, "warm", t.format(i=rep)) for t in WARM_UP for rep in range(REPS)]
        sent = pool.submit(send, port, fake.base, warm, f"{name}w").result()["sent"]
        assert wait_for(lambda: sent.keys() <= fake.answered_at.keys(), 120), "warm-up"
        batch = commands(n)
        cpu0, load0 = worker_cpu(proc.pid), os.getloadavg()[0]
        edge0 = proc_cpu(proc.pid)
        all0, bench0 = machine_cpu(), harness_cpu(proc.pid)
        spy = spying(proc.pid, tmp / f"{name}.svg")
        res = pool.submit(send, port, fake.base, batch, name).result()
        keys = set(res["sent"])
        wait_for(lambda: keys <= fake.answered_at.keys(), 600)
        if spy:
            spy.send_signal(2)
            spy.wait(30)
        cpu = worker_cpu(proc.pid) - cpu0
        busy = machine_cpu() - all0
        harness = harness_cpu(proc.pid) - bench0
        edge = proc_cpu(proc.pid) - edge0
        load = os.getloadavg()[0]
    finally:
        code = stop(proc)
        pool.shutdown()
    first = min(res["sent"].values())
    answered = [fake.answered_at[k] for k in keys if k in fake.answered_at]
    waits = [fake.answered_at[k] - res["sent"][k] for k in keys if k in fake.answered_at]
    elapsed = max(answered) - first if answered else float("inf")
    return {
        "n": n,
        "answered": len(answered),
        # a post repeated on one response_url (a stage change's reply and its checklist card
        # are two posts, each once)
        "twice": sum(twice(fake.responses[k]) for k in keys if k in fake.responses),
        "errors": res["errors"],
        "seconds": elapsed,
        "acks_in": res["acked"] - first,  # all acked this long after the first send
        "first_answer": min(answered, default=first) - first,
        "rate": len(answered) / elapsed,
        "a50": pct(waits, 50),
        "a99": pct(waits, 99),
        "cpu_ms": cpu / max(len(answered), 1) * 1000,
        "edge_ms": edge / max(len(answered), 1) * 1000,
        "machine_ms": busy / max(len(answered), 1) * 1000,
        "harness_ms": harness / max(len(answered), 1) * 1000,
        "load": (load0, load),
        "exit": code,
    }


# --- the floor: the store driven directly ----------------------------------------------------

FLOOR_SECONDS = 3.0


def floor_postgres(url: str) -> float:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("CREATE TABLE floor_a (id serial primary key, v text, n int)")
        conn.execute("CREATE TABLE floor_b (id serial primary key, v text)")
        conn.execute("INSERT INTO floor_a (v, n) SELECT 'x', 0 FROM generate_series(1, 1000)")
        conn.commit()
        return _floor(conn, "%s")


def floor_sqlite(path: str) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("CREATE TABLE floor_a (id integer primary key, v text, n int)")
    conn.execute("CREATE TABLE floor_b (id integer primary key, v text)")
    conn.executemany("INSERT INTO floor_a (v, n) VALUES ('x', 0)", [()] * 1000)

    class Tx:  # sqlite3 in autocommit mode: BEGIN IMMEDIATE as dealbot's engine does
        def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
            return conn.execute(sql, params)

        def commit(self) -> None:
            conn.execute("COMMIT")

        def begin(self) -> None:
            conn.execute("BEGIN IMMEDIATE")

    return _floor(Tx(), "?")


def _floor(conn: Any, mark: str) -> float:
    done, end = 0, time.monotonic() + FLOOR_SECONDS
    while time.monotonic() < end:
        if hasattr(conn, "begin"):
            conn.begin()
        conn.execute(f"INSERT INTO floor_b (v) VALUES ({mark})", ("a",))
        conn.execute(f"UPDATE floor_a SET n = n + 1 WHERE id = {mark}", (done % 1000 + 1,))
        conn.execute(f"INSERT INTO floor_b (v) VALUES ({mark})", ("b",))
        conn.commit()
        done += 1
    return done / FLOOR_SECONDS


# --- in process: the hot path's bill per command ------------------------------------------


def profile(url: str) -> None:
    from bot.events import Event
    from bot.handler import Bot
    from bot.i18n import Words
    from bot.settings import Settings

    sessions = db.open_store(url)
    engine = sessions.kw["bind"]
    bot = Bot(sessions=sessions, settings=Settings(timezone="UTC"), words=Words())
    counts = {"sql": 0, "commit": 0}

    @sa_event.listens_for(engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        counts["sql"] += 1

    @sa_event.listens_for(engine, "commit")
    def _commit(*_: Any) -> None:
        counts["commit"] += 1

    clock = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)

    def run(rep: int, text: str) -> None:
        nonlocal clock
        clock += timedelta(seconds=1)
        outcome = bot.handle(
            Event(
                platform="slack",
                workspace_id="T1",
                user_id=f"U{rep}",
                user_name=f"rep{rep}",
                channel_id=f"C{rep % CHANNELS}",
                text=text,
                occurred_at=clock,
            )
        )
        if rep == 0 and os.environ.get("BENCH_SHOW"):  # what rep 0 reads, to check the mix
            for reply in outcome.replies:
                print(f"> {text}\n{reply.message.text or reply.message.card}\n")

    for t in WARM_UP:
        for rep in range(REPS):
            run(rep, t.format(i=rep))
    bill: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    for rep, kind, text in commands(len(MIX) * REPS * 2):
        before = dict(counts)
        cpu = time.process_time()
        run(rep, text)
        bill[kind].append(
            (
                counts["sql"] - before["sql"],
                counts["commit"] - before["commit"],
                (time.process_time() - cpu) * 1000,
            )
        )
    print(f"\n{'command':<14}{'statements':>11}{'commits':>9}{'CPU ms p50':>12}{'CPU ms mean':>13}")
    every = [b for rows in bill.values() for b in rows]
    for kind, rows in [*bill.items(), ("(all)", every)]:
        print(
            f"{kind:<14}{statistics.median(r[0] for r in rows):>11.0f}"
            f"{statistics.median(r[1] for r in rows):>9.0f}"
            f"{statistics.median(r[2] for r in rows):>12.2f}"
            f"{statistics.fmean(r[2] for r in rows):>13.2f}"
        )
    sessions.kw["bind"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=1200)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="[inbox] workers for serve")
    args = parser.parse_args()
    WORKERS[0] = args.workers
    git = ["git", "-C", str(Path(__file__).parent), "describe", "--always", "--dirty"]
    commit = subprocess.run(git, capture_output=True, text=True, check=False).stdout.strip()
    print(f"commit {commit}, nproc {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory() as tmp:
        if args.profile:
            for name in dbs:
                print(f"\n== {name}: per command, in process through the Bot")
                if name == "postgres":
                    with empty_pg_database() as url:
                        profile(url)
                else:
                    profile(f"sqlite:///{tmp}/profile.db")
            return
        results: dict[str, tuple[dict[str, Any], float]] = {}
        with FakeSlack() as fake:
            for name in dbs:
                if name == "postgres":
                    with empty_pg_database() as url:
                        floor = floor_postgres(url)
                    with empty_pg_database() as url:
                        results[name] = run_serve("pg", url, fake, Path(tmp), args.commands), floor
                else:
                    floor = floor_sqlite(f"{tmp}/floor.db")
                    url = f"sqlite:///{tmp}/bench.db"
                    results[name] = run_serve("sq", url, fake, Path(tmp), args.commands), floor
    print(
        f"\n{args.commands} mixed commands from {CLIENTS} clients, {REPS} reps in {CHANNELS} "
        f"channels, {args.workers} worker process(es); answer = first send to its answer on the "
        "response_url, in seconds"
    )
    for name, (r, floor) in results.items():
        print(
            f"\n{name}: {r['rate']:.0f} commands/s end to end ({r['answered']}/{r['n']} answered "
            f"in {r['seconds']:.1f} s, {r['twice']} twice, errors {sum(r['errors'].values())}); "
            f"all acked in {r['acks_in']:.2f} s, first answer at {r['first_answer']:.2f} s; "
            f"answer p50 {r['a50']:.2f} s p99 {r['a99']:.2f} s; worker CPU {r['cpu_ms']:.1f} ms "
            f"per command (edge {r['edge_ms']:.1f} ms, this benchmark's clients and fake "
            f"Slack {r['harness_ms']:.1f} ms, whole machine {r['machine_ms']:.1f} ms "
            f"of {os.cpu_count()} cores, the rest being the database and the kernel); load {r['load'][0]:.2f} → {r['load'][1]:.2f}; serve exit {r['exit']}"
        )
        print(
            f"  floor (INSERT + UPDATE + INSERT per transaction, one connection): {floor:.0f} "
            f"tx/s; handling = {r['rate'] / floor:.3f} of the floor"
        )
        ok = r["rate"] >= 250 and r["answered"] == r["n"] and not r["twice"]
        print(f"  {'PASS' if ok else 'FAIL'}  ≥ 250 commands/s, every command answered once")
        for error, k in r["errors"].most_common(3):
            print(f"    error x{k}: {error}")


if __name__ == "__main__":
    main()
