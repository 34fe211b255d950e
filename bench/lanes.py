"""Lanes: how the inbox's throughput grows with its worker processes, and that each
conversation's commands are still handled in order.

On a fresh PostgreSQL database per run, a backlog of `--conversations` Slack channels ×
`--per` slash commands each (a rep per channel: `/deal CustN new …`, then /log, /task,
`/deal … stage …` through the real Bot, English and Chinese) is stored in the inbox; then N
worker processes, each an Intake under its own name with its share of the lanes (bot/lanes.py,
as `dealbot serve`'s workers with `[inbox] workers = N`), drain it. The clock runs from the
moment every worker has announced itself and warmed up (a barrier) to the last row done. Each
run prints commands/s, its ratio to 1 worker measured in the same invocation, the load average
before and after, and whether every conversation's rows were done in their stored order (by
done_at, and each command's effect: every deal ends at its last stage).

Target (issue 19): two workers ≥ 1.8× one, order kept. More workers than cores cannot help:
the handler is CPU (Python) and PostgreSQL shares the same cores.
Run:  .venv/bin/python bench/lanes.py [--workers 1,2,3,4] [--conversations 200] [--per 10]
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from storage import db
from tests.conftest import empty_pg_database

STEPS = [  # each conversation's commands, in this order; the stage names end at "negotiate"
    "/deal Cust{i} new license 50k",
    "/log Cust{i} call Discussed pricing next: send the quote by Friday",
    "/deal Cust{i} stage qualify",
    "/task Cust{i} send the contract tomorrow",
    "/记录 Cust{i} 电话 聊了价格 下一步：周五前发报价",
    "/deal Cust{i} stage proposal",
    "/log Cust{i} visit Met the CTO, demo went well",
    "/deal Cust{i} stage quote",
    "/question Cust{i} Do you support SAML single sign-on?",
    "/deal Cust{i} stage negotiate",
]


def backlog(url: str, conversations: int, per: int) -> int:
    """Store the commands, round-robin over the conversations as a busy team's would arrive."""
    from bot import inbox
    from bot.inbox import Arrival

    sessions = db.open_store(url, migrate=False)
    now = datetime.now(UTC)
    arrivals = []
    for k in range(per):
        for i in range(conversations):
            text = STEPS[k % len(STEPS)].format(i=i)
            if k >= len(STEPS):  # longer runs: more logs, the stage stays the last one
                text = f"/log Cust{i} call follow-up {k}"
            arrivals.append(
                Arrival(
                    platform="slack",
                    workspace="T1",
                    key=f"cmd:{i}:{k}",
                    payload={"rep": i, "text": text},
                    received_at=now,
                    conversation=inbox.conversation(channel=f"C{i}"),
                )
            )
    with sessions.begin() as s:
        inbox.accept_many(s, arrivals)
    sessions.kw["bind"].dispose()
    return len(arrivals)


def parse(row: Any) -> Any:
    from bot.events import Event

    rep = row.payload["rep"]
    return Event(
        platform="slack",
        workspace_id=row.workspace,
        user_id=f"U{rep}",
        user_name=f"rep{rep}",
        channel_id=f"C{rep}",
        text=row.payload["text"],
        occurred_at=datetime.now(UTC),
    )


def worker(url: str, name: str, barrier: Any, results: Any) -> None:
    """One worker process: warm up, announce, wait for the others, drain until all is done."""
    from bot.events import Event
    from bot.handler import Bot
    from bot.i18n import Words
    from bot.inbox import InboxPolicy
    from bot.intake import Intake
    from bot.lanes import Lanes
    from bot.settings import Settings
    from storage.transit import InboxItem

    sessions = db.open_store(url, migrate=False)
    bot = Bot(sessions=sessions, settings=Settings(timezone="UTC"), words=Words())
    for text in ("/deal Warm new license 5k", "/log Warm call hello", "/pipeline"):
        bot.handle(  # templates, grammar, caches: warm, in a tenant of its own
            Event(
                platform="slack",
                workspace_id=f"warm-{name}",
                user_id="W",
                user_name="warm",
                channel_id="W",
                text=text,
                occurred_at=datetime.now(UTC),
            )
        )
    lanes = Lanes(sessions, name)
    intake = Intake(
        bot=bot,
        parsers={"slack": parse},
        name=name,
        clock=lambda: datetime.now(UTC),
        policy=InboxPolicy(),
        lanes=lanes,
    )
    lanes.beat()
    intake.lease.beat()
    barrier.wait()
    handled, cpu, held = 0, time.process_time(), 0
    while True:
        n = intake.drain()
        handled += n
        held = held or len(lanes.held)  # its share while all were working
        if n:
            continue
        with sessions() as s:
            left = s.scalar(
                select(func.count()).where(InboxItem.status.in_(("pending", "claimed")))
            )
        if not left:
            break
        time.sleep(0.005)  # the rest is in others' lanes, or waits behind a row they hold
    results.put((name, handled, time.time(), time.process_time() - cpu, held))
    intake.stop()
    lanes.leave()
    sessions.kw["bind"].dispose()


def order_kept(url: str, conversations: int, last_stage: str) -> tuple[bool, bool]:
    """(each conversation's rows done in id order, every deal at its last stage)."""
    from storage.models import Customer, Deal
    from storage.transit import InboxItem

    sessions = db.open_store(url, migrate=False)
    with sessions() as s:
        rows = s.execute(
            select(InboxItem.conversation, InboxItem.id, InboxItem.done_at, InboxItem.status)
            .where(InboxItem.workspace == "T1")
            .order_by(InboxItem.conversation, InboxItem.id)
        ).all()
        stages = dict(
            s.execute(
                select(Customer.name, Deal.stage).join(Deal).where(Customer.name.like("Cust%"))
            ).all()
        )
    sessions.kw["bind"].dispose()
    in_order = all(r.status == "done" for r in rows)
    for prev, cur in itertools.pairwise(rows):
        if prev.conversation == cur.conversation and cur.done_at < prev.done_at:
            in_order = False
    deals_ok = len(stages) == conversations and set(stages.values()) == {last_stage}
    return in_order, deals_ok


def run(n: int, conversations: int, per: int) -> dict[str, Any]:
    ctx = get_context("spawn")
    with empty_pg_database() as url:
        engine = db.make_engine(url)
        db.upgrade(engine)
        engine.dispose()
        total = backlog(url, conversations, per)
        barrier, results = ctx.Barrier(n + 1), ctx.Queue()
        procs = [
            ctx.Process(target=worker, args=(url, f"w{i}", barrier, results)) for i in range(n)
        ]
        for p in procs:
            p.start()
        barrier.wait()
        started, load0 = time.time(), os.getloadavg()[0]
        out = [results.get(timeout=900) for _ in procs]
        load = os.getloadavg()[0]
        for p in procs:
            p.join(30)
        stages = [t.rsplit(" ", 1)[1] for t in STEPS[:per] if " stage " in t]
        in_order, deals_ok = order_kept(url, conversations, stages[-1] if stages else "lead")
    seconds = max(o[2] for o in out) - started
    return {
        "n": n,
        "total": total,
        "handled": sum(o[1] for o in out),
        "seconds": seconds,
        "rate": total / seconds,
        "per_worker": {o[0]: o[1] for o in out},
        "cpu_ms": sum(o[3] for o in out) / max(total, 1) * 1000,
        "lanes": {o[0]: o[4] for o in out},
        "load": (load0, load),
        "in_order": in_order,
        "deals_ok": deals_ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", default="1,2,3,4", help="comma-separated worker counts")
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--per", type=int, default=10, help="commands per conversation")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]
    if 1 not in counts:
        counts.insert(0, 1)  # the baseline every ratio is measured against
    git = ["git", "-C", str(Path(__file__).parent), "describe", "--always", "--dirty"]
    commit = subprocess.run(git, capture_output=True, text=True, check=False).stdout.strip()
    print(f"commit {commit}, nproc {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")
    print(
        f"{args.conversations} conversations × {args.per} commands = "
        f"{args.conversations * args.per} commands through the real Bot, PostgreSQL"
    )
    base = None
    for n in counts:
        r = run(n, args.conversations, args.per)
        base = base or r["rate"]
        print(
            f"\n{n} worker(s): {r['rate']:.0f} commands/s ({r['handled']}/{r['total']} in "
            f"{r['seconds']:.1f} s) = {r['rate'] / base:.2f}× 1 worker; worker CPU "
            f"{r['cpu_ms']:.1f} ms per command; load {r['load'][0]:.2f} → {r['load'][1]:.2f}"
        )
        print(f"  rows per worker {r['per_worker']}, lanes per worker {r['lanes']}")
        print(
            f"  order kept: done in stored order {'yes' if r['in_order'] else 'NO'}, every deal "
            f"at its last stage {'yes' if r['deals_ok'] else 'NO'}"
        )
        if n == 2:
            ok = r["rate"] / base >= 1.8 and r["in_order"] and r["deals_ok"]
            print(f"  {'PASS' if ok else 'FAIL'}  two workers ≥ 1.8× one, order kept")


if __name__ == "__main__":
    main()
