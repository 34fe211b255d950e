"""What pruning delivered rows costs the edge, which must keep writing while it runs.

Seeds a store with N delivered inbox rows and N sent outbox rows past their retention (plus
recent, pending and dead ones that must stay), then prunes them two ways, each on a fresh copy:
  baseline  one DELETE per table (what the inbox did before batches);
  batched   bot.retention.prune_delivered, `--batch` rows per short transaction.
Meanwhile a writer thread stores one inbox row at a time, as the edge does for each delivery,
and records how long each store took. Printed: the prune's total time, its longest transaction
(the longest lock it held), the writer's p50 / p99 / max, and batched ÷ baseline ratios.

Run:  .venv/bin/python bench/retention.py [--rows 200000] [--batch 1000] [--db URL]
(`--db` a PostgreSQL URL of an EMPTY database: the bench drops and recreates its tables.)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, event, insert

from bot.retention import RetentionPolicy, prune_delivered
from storage import db
from storage.models import Tenant
from storage.transit import InboxItem, OutboxItem

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=40)
POLICY = RetentionPolicy(inbox_days=30, outbox_days=30, batch_size=1000)


def seed(url: str, rows: int) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        engine = db.make_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()
    sessions = db.open_store(url)  # migrated from scratch
    with sessions.begin() as s:
        s.execute(insert(Tenant).values(id=1, name="t", created_at=NOW))
    chunk = 20000
    for start in range(0, rows, chunk):
        n = range(start, min(rows, start + chunk))
        with sessions.begin() as s:
            s.execute(
                insert(InboxItem),
                [
                    {
                        "platform": "bench",
                        "workspace": "w",
                        "delivery_key": f"old{i}",
                        "payload": {"kind": "command", "text": "x" * 200},
                        "status": "done",
                        "received_at": OLD,
                        "next_attempt_at": OLD,
                        "done_at": OLD,
                    }
                    for i in n
                ],
            )
            s.execute(
                insert(OutboxItem),
                [
                    {
                        "tenant_id": 1,
                        "dedup_key": f"old{i}",
                        "platform": "bench",
                        "target_kind": "person",
                        "target_id": "u",
                        "payload": {"text": "x" * 200},
                        "status": "sent",
                        "next_attempt_at": OLD,
                        "sent_at": OLD,
                        "created_at": OLD,
                    }
                    for i in n
                ],
            )
    with sessions.begin() as s:  # what must stay: recent, pending, dead
        keep = [("recent", "done", NOW), ("pending", "pending", OLD), ("dead", "dead", OLD)]
        s.execute(
            insert(InboxItem),
            [
                {
                    "platform": "bench",
                    "workspace": "w",
                    "delivery_key": f"{name}{i}",
                    "payload": {},
                    "status": status,
                    "received_at": at,
                    "next_attempt_at": at,
                    "done_at": at if status == "done" else None,
                }
                for name, status, at in keep
                for i in range(100)
            ],
        )
    sessions.kw["bind"].dispose()


class Transactions:
    """The length of every transaction on an engine: the longest is the longest lock held."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.took: list[float] = []
        self._began: dict[int, float] = {}
        event.listen(engine, "begin", lambda c: self._began.__setitem__(id(c), time.perf_counter()))
        event.listen(engine, "commit", self._end)

    def _end(self, conn) -> None:  # type: ignore[no-untyped-def]
        began = self._began.pop(id(conn), None)
        if began is not None:
            self.took.append(time.perf_counter() - began)


def writer(url: str, stop: threading.Event, waits: list[float], writing: threading.Event) -> None:
    """One delivery at a time, as the edge stores them, timing each. Like serve's edge it
    raises `writing` while it wants the store, which the worker's sessions defer to (SQLite)."""
    sessions = db.open_store(url, migrate=False)
    n = 0
    while not stop.is_set():
        started = time.perf_counter()
        writing.set()
        with sessions.begin() as s:
            s.execute(
                insert(InboxItem).values(
                    platform="bench",
                    workspace="w",
                    delivery_key=f"live{time.time_ns()}-{n}",
                    payload={"kind": "command"},
                    status="pending",
                    received_at=NOW,
                    next_attempt_at=NOW,
                )
            )
        writing.clear()
        waits.append(time.perf_counter() - started)
        n += 1
        time.sleep(0.002)
    sessions.kw["bind"].dispose()


def run(url: str, rows: int, batched: bool, batch: int) -> dict[str, float]:
    seed(url, rows)
    writing = threading.Event()
    sessions = db.open_store(url, migrate=False, defer_to=writing.is_set)  # as serve's worker
    txns = Transactions(sessions.kw["bind"])
    waits: list[float] = []
    stop = threading.Event()
    thread = threading.Thread(target=writer, args=(url, stop, waits, writing))
    thread.start()
    time.sleep(0.3)  # the writer's quiet pace first
    started = time.perf_counter()
    if batched:
        pruned = prune_delivered(
            sessions, NOW, POLICY.__class__(inbox_days=30, outbox_days=30, batch_size=batch)
        )
        count = sum(pruned.values())
    else:
        cutoff = NOW - timedelta(days=30)
        with sessions.begin() as s:
            count = s.execute(
                delete(InboxItem).where(InboxItem.status == "done", InboxItem.done_at < cutoff)
            ).rowcount
            count += s.execute(
                delete(OutboxItem).where(OutboxItem.status == "sent", OutboxItem.sent_at < cutoff)
            ).rowcount
    total = time.perf_counter() - started
    time.sleep(0.2)
    stop.set()
    thread.join()
    assert count == 2 * rows, (count, rows)
    sessions.kw["bind"].dispose()
    waits.sort()
    return {
        "total": total,
        "longest_txn": max(txns.took),
        "p50": statistics.median(waits),
        "p99": waits[int(len(waits) * 0.99) - 1],
        "max": waits[-1],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000, help="delivered rows per table")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--db", help="an empty PostgreSQL database URL (default: SQLite in a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/bench.db"
        print(f"{args.rows:,} delivered rows per table, batch {args.batch}, {url.split(':')[0]}")
        base = run(url, args.rows, batched=False, batch=args.batch)
        new = run(url, args.rows, batched=True, batch=args.batch)
    print(f"{'':18}{'baseline':>12}{'batched':>12}{'ratio':>9}")
    for key, label in (
        ("total", "prune total s"),
        ("longest_txn", "longest txn s"),
        ("p50", "edge write p50 s"),
        ("p99", "edge write p99 s"),
        ("max", "edge write max s"),
    ):
        print(f"{label:18}{base[key]:12.4f}{new[key]:12.4f}{new[key] / base[key]:9.2f}×")


if __name__ == "__main__":
    main()
