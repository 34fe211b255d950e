"""Failover as an operator meets it: real `dealbot serve` instances on one PostgreSQL database,
signed Slack `/log` commands, answers through their response_url to a local fake Slack that
takes 0–`delay` s for each, and instances SIGKILLed mid-run.

    .venv/bin/python bench/failover.py [--answers 300] [--channels 50] [--delay 1.2]

Three runs, each on a fresh database, each printing answers lost, answered twice, and the time
until the last answer:
  1. baseline: one instance sending one conversation at a time ([outbox] concurrency = 1), the
     way every send went before; no kill;
  2. two instances (the defaults: concurrency 8, worker_lease_seconds 15), one SIGKILLed once
     a third of the answers are out: the time from the kill to the last answer;
  3. one instance SIGKILLed right after the last command was acknowledged, then restarted:
     the time from the restart to the last answer.
An answer "twice" is one whose response_url got two posts; only a send in flight at the very
moment of a SIGKILL can be (Slack has no idempotency key): the platform took it, and the
killed process never wrote that down.
"""

from __future__ import annotations

import argparse
import itertools
import random
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import empty_pg_database
from tests.fakes import slack_signing as signing
from tests.fakes.slack_api import FakeSlack
from tests.test_serve import free_port, start, stop, wait_for, wait_healthy

SECRET = "failover-bench-secret"
_keys = itertools.count()


def slow_answers(fake: FakeSlack, delay: float, seed: int = 7) -> dict[str, list[float]]:
    """Each response_url post takes 0–delay s before the fake takes it (and answers 200);
    returns when each post to each key arrived (before that wait)."""
    rng, lock, record = random.Random(seed), threading.Lock(), fake.respond
    arrived: dict[str, list[float]] = {}

    def respond(key: str, body: dict[str, Any]) -> None:
        with lock:
            wait = rng.uniform(0, delay)
            arrived.setdefault(key, []).append(time.time())
        time.sleep(wait)
        record(key, body)

    fake.respond = respond  # type: ignore[method-assign]
    return arrived


def config(tmp: Path, url: str, fake: FakeSlack, port: int, concurrency: int) -> Path:
    path = tmp / f"serve-{port}.toml"
    path.write_text(f"""
[database]
url = "{url}"
[server]
port = {port}
[slack]
bot_token = "xoxb-failover"
signing_secret = "{SECRET}"
api_base_url = "{fake.url}"
[outbox]
concurrency = {concurrency}
[scheduler]
interval_seconds = 3600
""")
    return path


def post(port: int, fake: FakeSlack, i: int, channels: int) -> int:
    key = f"a{i}-{next(_keys)}"
    body = signing.command_body(
        command="/log",
        text=f"Cust{i % channels} call failover note {i}",
        user_id=f"U{i % channels}",
        team_id="T1",
        channel_id=f"C{i % channels}",
        channel_name=f"sales{i % channels}",
        trigger_id=f"trig-{key}",
        response_url=f"{fake.base}/response/{key}",
    )
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body,
        method="POST",
        headers=signing.headers(body, SECRET, content_type="application/x-www-form-urlencoded"),
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status


def post_all(port: int, fake: FakeSlack, args: argparse.Namespace) -> None:
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda i: post(port, fake, i, args.channels), range(args.answers)))
    assert statuses == [200] * args.answers, statuses


def tally(fake: FakeSlack, n: int) -> tuple[int, int]:
    """(answers lost, answers posted twice)."""
    with fake.lock:
        counts = [len(v) for v in fake.responses.values()]
    return n - len(counts), sum(c - 1 for c in counts)


def run(
    name: str, args: argparse.Namespace, *, instances: int, concurrency: int, kill: str | None
) -> float:
    with tempfile.TemporaryDirectory() as tmp_, empty_pg_database() as url, FakeSlack() as fake:
        tmp = Path(tmp_)
        arrived = slow_answers(fake, args.delay)
        procs = []
        for n in range(instances):
            port = free_port()
            log = tmp / f"{n}.log"
            proc = start(config(tmp, url, fake, port, concurrency), log)
            wait_healthy(port, proc, log)
            procs.append([proc, port, log])
        mark = killed = time.time()
        post_all(procs[0][1], fake, args)
        if kill == "survivor":  # once a third is out, kill the instance that took the posts
            wait_for(lambda: len(fake.responses) >= args.answers // 3, 300)
            killed = time.time()
            procs[0][0].send_signal(signal.SIGKILL)
            procs[0][0].wait(timeout=10)
            mark = time.time()
        elif kill == "restart":  # right after the last ack; then start it again
            killed = time.time()
            procs[0][0].send_signal(signal.SIGKILL)
            procs[0][0].wait(timeout=10)
            killed_at = len(fake.responses)
            log = procs[0][2].with_suffix(".again.log")
            procs[0][0] = start(config(tmp, url, fake, procs[0][1], concurrency), log)
            mark = time.time()
            wait_healthy(procs[0][1], procs[0][0], log)
        done = wait_for(lambda: len(fake.responses) >= args.answers, 600)
        with fake.lock:
            finished = max(fake.answered_at.values(), default=time.time())
        elapsed = finished - mark
        time.sleep(2)  # anything sent twice would show up now
        lost, twice = tally(fake, args.answers)
        # a post that had reached the fake before the kill, and went again after it: in flight
        in_flight = sum(1 for times in arrived.values() if len(times) > 1 and times[0] < killed)
        for proc, _, _ in procs:
            if proc.poll() is None:
                stop(proc)
        since = {"survivor": "after the kill", "restart": "after the restart"}.get(kill or "", "")
        extra = f" ({killed_at} answered before the kill)" if kill == "restart" else ""
        print(
            f"{name:<44} {'all' if done else 'NOT all'} answered, last {elapsed:6.1f} s "
            f"{since or 'after the first command'}; lost {lost}, answered twice {twice}{extra}"
            + (f"; of those, in flight at the kill {in_flight}" if kill else "")
        )
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--delay", type=float, default=1.2)
    parser.add_argument("--concurrency", type=int, default=8, help="[outbox] concurrency")
    parser.add_argument(
        "--runs",
        default="serial,defaults,kill,restart",
        help="which runs, of serial, defaults, kill, restart",
    )
    args = parser.parse_args()
    runs = args.runs.split(",")
    print(
        f"{args.answers} /log commands from {args.channels} channels; each answer takes "
        f"0–{args.delay:g} s at the fake Slack"
    )
    c = args.concurrency
    if "serial" in runs:
        serial = run(
            "1 instance, one conversation at a time", args, instances=1, concurrency=1, kill=None
        )
    if "defaults" in runs:
        together = run(f"1 instance, concurrency {c}", args, instances=1, concurrency=c, kill=None)
        if "serial" in runs:
            print(f"{'':<44} sends overlapping: {serial / together:.1f}x faster than one at a time")
    if "kill" in runs:
        run(
            "2 instances, one SIGKILLed at a third",
            args,
            instances=2,
            concurrency=c,
            kill="survivor",
        )
    if "restart" in runs:
        run(
            "1 instance SIGKILLed after the last ack",
            args,
            instances=1,
            concurrency=c,
            kill="restart",
        )


if __name__ == "__main__":
    main()
