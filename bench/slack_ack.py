"""Slack: how fast `dealbot serve` acknowledges a signed /log and answers in the channel.

Starts a real `dealbot serve` (SQLite) against the local fake Slack API used by the tests, then
sends N signed slash commands from C concurrent clients. The baseline, measured in the same run,
is GET /healthz (one database round trip, no Slack work). Slack's deadline for the ack is 3 s.
Run:  .venv/bin/python bench/slack_ack.py [--requests 200] [--clients 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes import slack_signing
from tests.fakes.slack_api import FakeSlack
from tests.test_serve import free_port, start, stop, wait_healthy

SECRET = "bench-signing-secret"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        port = free_port()
        config = Path(tmp) / "bench.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp}/bench.db"\n[server]\nport = {port}\n'
            f'[slack]\nbot_token = "xoxb-b"\nsigning_secret = "{SECRET}"\n'
            f'api_base_url = "{fake.url}"\n[outbox]\npoll_seconds = 0.5\n'
        )
        log = Path(tmp) / "serve.log"
        proc = start(config, log)
        try:
            wait_healthy(port, proc, log)
            base = f"http://127.0.0.1:{port}"

            def health(_: int) -> float:
                t = time.perf_counter()
                urllib.request.urlopen(f"{base}/healthz", timeout=10).read()
                return time.perf_counter() - t

            sent: dict[str, float] = {}

            def command(n: int) -> float:
                body = slack_signing.command_body(
                    command="/log",
                    text=f"Acme{n % 20} call bench touch {n}",
                    user_id=f"U{n % 10}",
                    team_id="T-bench",
                    channel_id="C1",
                    trigger_id=f"t{n}",
                    response_url=f"{fake.base}/response/b{n}",
                )
                req = urllib.request.Request(
                    f"{base}/slack/events",
                    data=body,
                    method="POST",
                    headers=slack_signing.headers(
                        body, SECRET, content_type="application/x-www-form-urlencoded"
                    ),
                )
                t = time.perf_counter()
                sent[f"b{n}"] = time.time()
                with urllib.request.urlopen(req, timeout=10) as r:
                    assert r.status == 200
                return time.perf_counter() - t

            with ThreadPoolExecutor(args.clients) as pool:
                baseline = list(pool.map(health, range(args.requests)))
                acks = list(pool.map(command, range(args.requests)))
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(fake.responses) < args.requests:
                time.sleep(0.05)
            answered = {k: v for k, v in fake.answered_at.items() if k in sent}
            answers = [answered[k] - sent[k] for k in answered]
        finally:
            stop(proc)
    print(f"{args.requests} requests, {args.clients} concurrent clients")
    print(
        f"baseline GET /healthz   p50 {pct(baseline, 50):6.1f} ms  p99 {pct(baseline, 99):6.1f} ms"
    )
    print(
        f"/log ack (HTTP 200)     p50 {pct(acks, 50):6.1f} ms  p99 {pct(acks, 99):6.1f} ms  "
        f"({statistics.median(acks) / statistics.median(baseline):.2f}x baseline; "
        f"Slack allows 3000 ms)"
    )
    if answers:
        print(
            f"answer in the channel   p50 {pct(answers, 50):6.1f} ms  p99 {pct(answers, 99):6.1f} ms  "
            f"({len(answers)}/{args.requests} answered)"
        )


if __name__ == "__main__":
    main()
