"""What the ack benches (slack_ack, feishu_ack, wecom_ack) share: a real `dealbot serve` on
SQLite with one platform's table pointed at that platform's local fake, the GET /healthz
baseline measured in the same run, C concurrent clients, and one report."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_serve import serving


def pct(values: list[float], p: float) -> float:
    """The p-th percentile, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def arguments(doc: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    return parser.parse_args()


@contextmanager
def serve(table: str) -> Iterator[str]:
    """`dealbot serve` with this platform table (and a fresh SQLite file); its base URL."""
    with tempfile.TemporaryDirectory() as tmp, serving(Path(tmp), table) as (port, _, _):
        yield f"http://127.0.0.1:{port}"


def measure(
    base: str, args: argparse.Namespace, deliver: Callable[[int], float]
) -> tuple[list[float], list[float]]:
    """The baseline's and the deliveries' latencies (s), each from `clients` threads."""

    def health(_: int) -> float:
        t = time.perf_counter()
        urllib.request.urlopen(f"{base}/healthz", timeout=10).read()
        return time.perf_counter() - t

    with ThreadPoolExecutor(args.clients) as pool:
        baseline = list(pool.map(health, range(args.requests)))
        acks = list(pool.map(deliver, range(args.requests)))
    return baseline, acks


def wait(done: Callable[[], bool], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not done():
        time.sleep(0.05)


def report(
    args: argparse.Namespace,
    baseline: list[float],
    acks: list[float],
    answers: list[float],
    *,
    what: str,
    deadline_ms: int,
    answer: str,
) -> None:
    print(f"{args.requests} requests, {args.clients} concurrent clients")
    print(
        f"{'baseline GET /healthz':<24}p50 {pct(baseline, 50):6.1f} ms  "
        f"p99 {pct(baseline, 99):6.1f} ms"
    )
    print(
        f"{what + ' ack':<24}p50 {pct(acks, 50):6.1f} ms  p99 {pct(acks, 99):6.1f} ms  "
        f"({statistics.median(acks) / statistics.median(baseline):.2f}x baseline; "
        f"the platform allows {deadline_ms} ms)"
    )
    if answers:
        print(
            f"{answer:<24}p50 {pct(answers, 50):6.1f} ms  p99 {pct(answers, 99):6.1f} ms  "
            f"({len(answers)}/{args.requests} answered)"
        )
