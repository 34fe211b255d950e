"""The views and the morning digest on one big tenant: how long they take, and how much memory
the worker needs, as the tenant grows to a million deals.

Seeds one tenant with N deals, 5N activities (touches), N tasks, 2,000 reps and 200 managers
(teams of 10 reps, each led by its manager) and one admin, straight into the tables (COPY on
PostgreSQL, multi-row INSERT on SQLite); one customer, "Bigco", has many deals (N/1000, at
least 20). Last touches are mostly recent (about 5% of open deals are stale) and about 3% of
open tasks are overdue, so the digest has something, not everything, to say. Then, in a
fresh process per size, it times through the real Bot (bot/handler.py, as the tests drive
it): `/pipeline team` (a manager), `/pipeline all` (the admin), `/customer Bigco`, a `/deal
Bigco stage …` change and a `/log Bigco …` (its owner), and the 09:00 digest run for all 200
managers (bot/jobs/digest.py, on a Monday); the median of --repeat runs each, and that
process's peak RSS (ru_maxrss), with the machine's load average when it ran.
Targets (issue 19) at 1M deals: /pipeline team p50 ≤ 100 ms, the whole digest run ≤ 10 s,
worker RSS < 300 MB.
Run:  .venv/bin/python bench/scale.py [--deals 10000,100000,1000000] [--db postgres|sqlite]
      [--repeat 5] [--keep] [--url URL]
Seeding 1M takes minutes; to time the same data many times, seed once with --keep (the
database is left in place and its URL printed), then time it with --url URL (no seeding;
one size, whatever that database holds; the timed commands add a few touches and stage
changes each run, too few to matter).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text, update

from storage import db
from storage.models import (
    Activity,
    Customer,
    Deal,
    Identity,
    Person,
    Task,
    Team,
    Tenant,
    Workspace,
)

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # a Monday
DIGEST_AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # the tenant's zone is UTC
MANAGERS, REPS_PER_TEAM = 200, 10
REPS = MANAGERS * REPS_PER_TEAM
DEALS_PER_CUSTOMER = 5
OPEN_STAGES = ("lead", "qualify", "proposal", "quote", "negotiate")
BIG = "Bigco"
ADMIN = "boss"


def people() -> list[dict[str, Any]]:
    """The admin (id 1), managers m1… (ids 2…201), reps r1… (ids 202…); ids are fixed so the
    rows that refer to them can be written without asking."""
    out = [{"id": 1, "name": ADMIN, "role": "admin", "team_id": None}]
    for m in range(MANAGERS):
        out.append({"id": 2 + m, "name": f"m{m + 1}", "role": "manager", "team_id": m + 1})
    for r in range(REPS):
        out.append(
            {
                "id": 2 + MANAGERS + r,
                "name": f"r{r + 1}",
                "role": "rep",
                "team_id": r // REPS_PER_TEAM + 1,
            }
        )
    return out


def rep_id(r: int) -> int:
    return 2 + MANAGERS + r % REPS


class Writer:
    """Rows into a table: COPY on PostgreSQL, multi-row INSERT on SQLite."""

    def __init__(self, sessions: Any, url: str) -> None:
        self.sessions, self.pg = sessions, url.startswith("postgresql")

    def write(self, model: Any, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
        table = model.__table__.name
        if self.pg:
            raw = self.sessions.kw["bind"].raw_connection()
            try:
                cur = raw.cursor()
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                raw.commit()
            finally:
                raw.close()
            return
        chunk: list[dict[str, Any]] = []
        with self.sessions.begin() as s:
            for row in rows:
                chunk.append(dict(zip(columns, row, strict=True)))
                if len(chunk) == 5000:
                    s.execute(insert(model), chunk)
                    chunk = []
            if chunk:
                s.execute(insert(model), chunk)


def seed(url: str, deals: int) -> None:
    rnd = random.Random(19)
    sessions = db.open_store(url)
    pg = url.startswith("postgresql")
    who = people()
    customers = max(deals // DEALS_PER_CUSTOMER, 1)
    with sessions.begin() as s:
        s.execute(
            insert(Tenant).values(
                id=1, name="big", locale="en", timezone="UTC", currency="USD", created_at=NOW
            )
        )
        s.execute(insert(Workspace).values(tenant_id=1, platform="test", external_id="w1"))
        s.execute(
            insert(Team),
            [
                {"id": m + 1, "tenant_id": 1, "name": f"team{m + 1}", "lead_id": None}
                for m in range(MANAGERS)
            ],
        )
        s.execute(
            insert(Person),
            [
                {
                    "id": p["id"],
                    "tenant_id": 1,
                    "display_name": p["name"],
                    "role": p["role"],
                    "team_id": p["team_id"],
                    "created_at": NOW,
                }
                for p in who
            ],
        )
        s.execute(
            insert(Identity),
            [
                {
                    "tenant_id": 1,
                    "person_id": p["id"],
                    "platform": "test",
                    "external_id": p["name"],
                    "handle": p["name"],
                }
                for p in who
            ],
        )
        for m in range(MANAGERS):
            s.execute(update(Team).where(Team.id == m + 1).values(lead_id=2 + m))
    w = Writer(sessions, url)
    # customer c (1-based) is owned by rep (c - 1) % REPS; customer 1 is Bigco
    w.write(
        Customer,
        ["id", "tenant_id", "name", "name_key", "owner_id", "tags", "created_at"],
        (
            (c, 1, n, n.casefold(), rep_id(c - 1), "[]", NOW - timedelta(days=400))
            for c in range(1, customers + 1)
            for n in [BIG if c == 1 else f"Customer {c}"]
        ),
    )
    big = max(deals // 1000, 20)

    def deal_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(deals):
            c = 1 if i < big else 2 + i % max(customers - 1, 1)
            c = min(c, customers)
            closed = rnd.random() < 0.3
            status = rnd.choice(("won", "lost")) if closed else "open"
            stage = status if closed else rnd.choice(OPEN_STAGES)
            amount = None if rnd.random() < 0.1 else Decimal(rnd.randrange(1, 5000) * 100)
            currency = rnd.choices(("USD", "EUR", "CNY"), (85, 10, 5))[0]
            stale = rnd.random() < 0.05
            touched = NOW - timedelta(days=rnd.randint(8, 60) if stale else rnd.random())
            created = NOW - timedelta(days=rnd.randint(60, 400))
            yield (
                1,
                c,
                f"deal {i}",
                amount,
                currency,
                stage,
                rep_id(c - 1),
                status,
                touched if not closed else created + timedelta(days=30),
                touched,
                created + timedelta(days=30) if closed else None,
                created,
            )

    w.write(
        Deal,
        [
            "tenant_id",
            "customer_id",
            "title",
            "amount",
            "currency",
            "stage",
            "owner_id",
            "status",
            "stage_entered_at",
            "last_touch_at",
            "closed_at",
            "created_at",
        ],
        deal_rows(),
    )
    kinds = ("call", "visit", "email", "chat", "note")
    w.write(
        Activity,
        ["tenant_id", "customer_id", "author_id", "type", "text", "tags", "occurred_at"],
        (
            (
                1,
                c,
                rep_id(c - 1),
                rnd.choice(kinds),
                f"touch {i}",
                "[]",
                NOW - timedelta(minutes=rnd.randrange(1, 90 * 24 * 60)),
            )
            for i in range(5 * deals)
            for c in [rnd.randrange(1, customers + 1)]
        ),
    )

    def task_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(deals):
            c = rnd.randrange(1, customers + 1)
            done = rnd.random() < 0.6
            overdue = not done and rnd.random() < 0.03
            due = (
                NOW - timedelta(days=rnd.randint(1, 10))
                if overdue
                else NOW + timedelta(days=rnd.randint(1, 30))
            )
            yield (
                1,
                c,
                rep_id(c - 1),
                f"task {i}",
                due,
                False,
                "done" if done else "open",
                NOW - timedelta(days=rnd.randint(1, 60)),
            )

    w.write(
        Task,
        [
            "tenant_id",
            "customer_id",
            "owner_id",
            "text",
            "due_at",
            "due_all_day",
            "status",
            "created_at",
        ],
        task_rows(),
    )
    engine = sessions.kw["bind"]
    if pg:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("teams", "people", "customers"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            conn.execute(text("VACUUM ANALYZE"))  # as autovacuum would: stats, visibility map
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def timed(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # the first run warms caches and the bot's own lookups; not counted
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def measure(url: str, repeat: int) -> dict[str, float]:
    """In its own process (so ru_maxrss is the worker's, not the seeding's)."""
    from bot.jobs import digest as digest_job
    from bot.jobs.env import JobEnv
    from storage.transit import OutboxItem
    from tests.chat import Chat

    sessions = db.open_store(url)
    chat = Chat(sessions, now=NOW.strftime("%Y-%m-%d %H:%M"))
    owner = f"r{1}"  # Bigco's owner: customer 1 is rep 0's

    def say(who: str, line: str) -> Callable[[], Any]:
        def run() -> Any:
            out = chat.bot.handle(chat.event(who, line))
            reply = "\n".join(r.message.text or "" for r in out.replies)
            assert reply and "went wrong" not in reply, reply
            return reply

        return run

    stages = iter(("proposal", "qualify") * (repeat + 2))
    env = JobEnv(sessions=sessions, settings=chat.bot.settings, words=chat.bot.words)

    sent: list[int] = []

    def digests() -> None:
        with sessions.begin() as s:  # every manager's morning unsettled again, nothing sent
            s.execute(update(Person).values(digest_checked_on=None))
            s.execute(OutboxItem.__table__.delete())
        sent.append(digest_job.digests(env, DIGEST_AT))

    out = {
        "load": os.getloadavg()[0],
        "pipeline team": timed(say("m1", "/pipeline team"), repeat),
        "pipeline all": timed(say(ADMIN, "/pipeline all"), repeat),
        "customer": timed(say(owner, f"/customer {BIG}"), repeat),
        "deal stage": timed(lambda: say(owner, f"/deal {BIG} stage {next(stages)}")(), repeat),
        "log": timed(say(owner, f"/log {BIG} call talked about the rollout"), repeat),
        "digest 200": timed(digests, max(1, repeat // 2)),
    }
    out["digests sent"] = sent[-1]
    out["load after"] = os.getloadavg()[0]
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sessions.kw["bind"].dispose()
    return out


@contextlib.contextmanager
def database(kind: str, keep: bool = False) -> Iterator[str]:
    if kind == "postgres" and keep:
        import uuid

        from sqlalchemy import create_engine

        from tests.conftest import PG_ADMIN_URL, require_pg

        require_pg()
        name = f"dealbot_scale_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        print(f"kept: --url {url}", file=sys.stderr, flush=True)
        yield url
    elif kind == "postgres":
        from tests.conftest import empty_pg_database

        with empty_pg_database() as url:
            yield url
    elif keep:
        tmp = tempfile.mkdtemp()
        print(f"kept: --url sqlite:///{tmp}/scale.db", file=sys.stderr, flush=True)
        yield f"sqlite:///{tmp}/scale.db"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/scale.db"


COLUMNS = ("pipeline team", "pipeline all", "customer", "deal stage", "log", "digest 200")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deals", default="10000,100000,1000000", help="sizes, comma-separated")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--url", help="time this already seeded database; no seeding")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child: a URL to time
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.repeat)))
        return
    rows = []
    sizes = [int(n) for n in args.deals.split(",")]
    if args.url:
        sessions = db.open_store(args.url)
        with sessions.begin() as s:
            sizes = [s.execute(text("SELECT count(*) FROM deals")).scalar_one()]
        sessions.kw["bind"].dispose()
    for size in sizes:
        with contextlib.nullcontext(args.url) if args.url else database(args.db, args.keep) as url:
            started = time.perf_counter()
            if not args.url:
                seed(url, size)
            seeded = time.perf_counter() - started
            child = subprocess.run(
                [sys.executable, __file__, "--measure", url, "--repeat", str(args.repeat)],
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode != 0:
                print(child.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"measuring {size} deals failed")
            result = json.loads(child.stdout.strip().splitlines()[-1])
        rows.append((size, seeded, result))
        print(
            f"{size:>9} deals seeded in {seeded:6.1f} s; "
            + "; ".join(f"{k} {result[k] * 1000:.1f} ms" for k in COLUMNS)
            + f"; {result['digests sent']} digests sent"
            + f"; RSS {result['rss_mb']:.0f} MB; load {result['load']:.2f}",
            flush=True,
        )
    print()
    print(
        f"dealbot scale bench, {args.db}, median of {args.repeat} (digest: of "
        f"{max(1, args.repeat // 2)}), {os.cpu_count()} CPUs"
    )
    head = ["deals", "seed s", *[f"{c} ms" for c in COLUMNS], "RSS MB", "load 1m"]
    print(" | ".join(f"{h:>16}" for h in head))
    for size, seeded, r in rows:
        cells = [f"{size:,}", f"{seeded:.1f}", *[f"{r[c] * 1000:.1f}" for c in COLUMNS]]
        cells += [f"{r['rss_mb']:.0f}", f"{r['load']:.2f}→{r['load after']:.2f}"]
        print(" | ".join(f"{c:>16}" for c in cells))
    print("targets at 1M: pipeline team ≤ 100 ms, digest 200 ≤ 10,000 ms, RSS < 300 MB")


if __name__ == "__main__":
    main()
