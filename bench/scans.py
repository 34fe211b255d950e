"""How the scheduler's scans grow with the size of the store.

Seeds a store with N deals and N follow-up tasks spread over 100 tenants (a handful of them due
or stale), then times one run of the follow-up rule and one manager's digest. The small store is
the baseline, measured in the same run; with the indexes doing their work the ratio stays near
1 while the store grows 100×. Run:  .venv/bin/python bench/scans.py [--rows 1000000] [--db URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from bot import digest
from bot.i18n import Words
from bot.jobs import reminders
from bot.jobs.env import JobEnv
from bot.reach import Reach
from bot.settings import Settings
from storage import db
from storage.models import Customer, Deal, Identity, Person, Task, Team, Tenant

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # a Monday
TENANTS, REPS = 100, 10


def seed(url: str, rows: int) -> None:
    sessions = db.open_store(url)
    with sessions.begin() as s:
        for t in range(TENANTS):
            s.execute(insert(Tenant).values(id=t + 1, name=f"t{t}", created_at=NOW))
        people, idents, teams = [], [], []
        for t in range(TENANTS):
            base = t * (REPS + 1)
            teams.append({"id": t + 1, "tenant_id": t + 1, "name": "team", "lead_id": None})
            for r in range(REPS + 1):
                pid = base + r + 1
                people.append(
                    {
                        "id": pid,
                        "tenant_id": t + 1,
                        "display_name": f"p{pid}",
                        "role": "manager" if r == 0 else "rep",
                        "team_id": t + 1,
                        "created_at": NOW,
                    }
                )
                idents.append(
                    {
                        "tenant_id": t + 1,
                        "person_id": pid,
                        "platform": "bench",
                        "external_id": f"u{pid}",
                        "handle": f"p{pid}",
                    }
                )
        s.execute(insert(Team), [{**x, "lead_id": None} for x in teams])
        s.execute(insert(Person), people)
        s.execute(insert(Identity), idents)
        for x in teams:
            s.execute(
                Team.__table__.update()
                .where(Team.id == x["id"])
                .values(lead_id=(x["id"] - 1) * (REPS + 1) + 1)
            )
        s.execute(
            insert(Customer),
            [
                {
                    "id": t + 1,
                    "tenant_id": t + 1,
                    "name": "c",
                    "name_key": "c",
                    "owner_id": t * (REPS + 1) + 2,
                    "tags": [],
                    "created_at": NOW,
                }
                for t in range(TENANTS)
            ],
        )
    chunk = 20000
    with sessions.begin() as s:
        for start in range(0, rows, chunk):
            deals, tasks = [], []
            for i in range(start, min(rows, start + chunk)):
                t = i % TENANTS
                owner = t * (REPS + 1) + 2 + (i // TENANTS) % REPS
                stale = i < 50  # the same few deals are stale at every size
                due = i < 50  # the same few tasks are due; the rest next month
                deals.append(
                    {
                        "tenant_id": t + 1,
                        "customer_id": t + 1,
                        "title": f"d{i}",
                        "amount": 1000 + i,
                        "currency": "USD",
                        "stage": "lead",
                        "owner_id": owner,
                        "status": "open",
                        "stage_entered_at": NOW - timedelta(days=30),
                        "last_touch_at": NOW - timedelta(days=20 if stale else 0),
                        "created_at": NOW - timedelta(days=30),
                    }
                )
                tasks.append(
                    {
                        "tenant_id": t + 1,
                        "customer_id": t + 1,
                        "owner_id": owner,
                        "text": f"t{i}",
                        "status": "open",
                        "created_at": NOW,
                        "due_at": NOW - timedelta(hours=1) if due else NOW + timedelta(days=30),
                    }
                )
            s.execute(insert(Deal), deals)
            s.execute(insert(Task), tasks)
    sessions.kw["bind"].dispose()


def measure(url: str, repeat: int) -> tuple[float, float]:
    sessions = db.open_store(url)
    env = JobEnv(sessions=sessions, settings=Settings(), words=Words())
    scan, dig = [], []
    for _ in range(repeat):
        with sessions.begin() as s:  # undo the reminders' marks so each run does the same work
            s.execute(Task.__table__.update().values(last_reminded_at=None))
            s.execute(Task.__table__.delete().where(Task.id < 0))
            s.execute(db_outbox_delete())
        started = time.perf_counter()
        reminders.followups(env, NOW)
        scan.append(time.perf_counter() - started)
        with sessions() as s:
            members = frozenset(s.scalars(select(Person.id).where(Person.team_id == 1)))
            started = time.perf_counter()
            digest.build(
                s, tenant_id=1, reach=Reach(1, members), now=NOW, pipeline=env.settings.pipeline
            )
            dig.append(time.perf_counter() - started)
    sessions.kw["bind"].dispose()
    return statistics.median(scan), statistics.median(dig)


def db_outbox_delete():  # type: ignore[no-untyped-def]
    from storage.transit import OutboxItem

    return OutboxItem.__table__.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--rows", type=int, default=200_000, help="deals and tasks in the big store"
    )
    parser.add_argument("--base", type=int, default=2_000, help="deals and tasks in the baseline")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (args.base, args.rows):
            url = f"sqlite:///{tmp}/bench-{rows}.db"
            started = time.perf_counter()
            seed(url, rows)
            seeded = time.perf_counter() - started
            results[rows] = measure(url, args.repeat)
            print(
                f"{rows:>9} rows: seeded in {seeded:5.1f}s; follow-up scan "
                f"{results[rows][0] * 1000:7.1f} ms; one manager's digest "
                f"{results[rows][1] * 1000:7.1f} ms"
            )
    (b_scan, b_dig), (scan, dig) = results[args.base], results[args.rows]
    print(
        f"ratio at {args.rows // args.base}x the rows: follow-up scan {scan / b_scan:.2f}x, "
        f"digest {dig / b_dig:.2f}x (1.00x = no growth; {args.rows // args.base}x = full scan)"
    )


if __name__ == "__main__":
    main()
