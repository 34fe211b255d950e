"""Slowloris: are real signed requests served while one client holds 2,100 half-open connections?

Starts a real `dealbot serve` (SQLite, default [server] and [inbox] limits) with Slack, Feishu
and WeCom configured against the local fakes used by the tests. First the baseline: R signed
/log deliveries per route (/slack/events, /feishu/events, /wecom/callback) spread over S
seconds, with no slow client. Then a slowloris in a process of its own opens N connections
from one loopback address, each sending half a request head and a header line every few
seconds, never finishing it, and replacing once a second every connection the server closed;
while it holds them, the same R deliveries per route are sent again over S seconds (more than
the header timeout, so the server's closing and the client's replacing are both measured).
Prints the share served (200) per route with the attack and without, their latencies, and
what the server did with the slow connections. Loopback only; it stops by itself.
Run:  .venv/bin/python bench/slowloris.py [--connections 2100] [--requests 150] [--seconds 25]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import itertools
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.kits import feishu, slack, wecom
from tests.test_serve import serving

KITS = {"/slack/events": slack, "/feishu/events": feishu, "/wecom/callback": wecom}
CLIENTS = 8  # real requests in flight at once
TRICKLE_SECONDS = 3.0  # the slow client sends one more header line this often


def raise_open_file_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# --- the slow client (a process of its own) --------------------------------------------------


def slowloris(port: int, source: str, n: int, stop: Any, stats: Any) -> None:
    """Hold n half-open connections until `stop`; stats: [open now, opened, closed by the
    server, seconds the closed ones lived (summed, ms)]."""
    raise_open_file_limit()
    paths = itertools.cycle(KITS)

    async def one(i: int) -> None:
        await asyncio.sleep(i * 0.0005)  # 2,100 connects over ~1 s, not in one burst
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", port, local_addr=(source, 0)
                )
            except OSError:
                await asyncio.sleep(1)
                continue
            opened = time.monotonic()
            stats[0] += 1
            stats[1] += 1
            closed = False
            try:
                writer.write(f"POST {next(paths)} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
                while not stop.is_set():
                    try:
                        await asyncio.wait_for(reader.read(4096), TRICKLE_SECONDS)
                    except TimeoutError:
                        writer.write(f"X-Slow-{i}: still sending\r\n".encode())
                        continue
                    closed = True  # an EOF, or a refusal before the close
                    break
            except OSError:
                closed = True
            stats[0] -= 1
            if closed:
                stats[2] += 1
                stats[3] += int((time.monotonic() - opened) * 1000)
            writer.close()
            await asyncio.sleep(1)  # replace it, as slowloris tools do, on their next round

    async def main() -> None:
        await asyncio.gather(*(one(i) for i in range(n)))

    asyncio.run(main())


# --- real signed deliveries ------------------------------------------------------------------


def deliverer(port: int, apis: dict[str, Any]) -> Callable[[str, int], tuple[str, int, float]]:
    def deliver(path: str, n: int) -> tuple[str, int, float]:
        kit = KITS[path]
        body, headers, *rest = kit.command(apis[path], f"Acme{n % 20} call slowloris {n}")
        url = f"{path}?{rest[0]}" if rest and rest[0] else path
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        started = time.perf_counter()
        try:
            conn.request("POST", url, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = 0  # refused, reset or timed out
        finally:
            conn.close()
        return path, status, time.perf_counter() - started

    return deliver


def send(
    deliver: Callable[[str, int], tuple[str, int, float]],
    requests: int,
    seconds: float,
    ids: itertools.count[int],
) -> list[tuple[str, int, float]]:
    """`requests` per route, interleaved, spread evenly over `seconds` (0: as fast as they go)."""
    jobs = [(path, next(ids)) for _ in range(requests) for path in KITS]
    started = time.monotonic()

    def paced(job: tuple[str, int], k: int) -> tuple[str, int, float]:
        delay = started + seconds * k / len(jobs) - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return deliver(*job)

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(paced, jobs, range(len(jobs))))


def served(results: list[tuple[str, int, float]], path: str) -> tuple[int, int, Counter[int]]:
    mine = [status for p, status, _ in results if p == path]
    return mine.count(200), len(mine), Counter(s for s in mine if s != 200)


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000


def edge_pid(config: str) -> int:
    """The edge process of the serve started with this config file."""
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in cmdline and config.encode() in cmdline:
            return int(proc.name)
    raise LookupError(config)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def established(port: int) -> int:
    """Established connections on the server's port, its side of each (from /proc): those it
    holds and those the kernel accepted for it and it has not taken yet."""
    total = 0
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].endswith(f":{port:04X}") and fields[3] == "01":
                total += 1
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--connections", type=int, default=2100)
    parser.add_argument("--requests", type=int, default=150, help="per route, per phase")
    parser.add_argument("--seconds", type=float, default=25.0, help="the attack phase's length")
    parser.add_argument("--source", default="127.0.0.1", help="the slow client's address")
    args = parser.parse_args()
    raise_open_file_limit()
    ids = itertools.count()
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        apis = {path: stack.enter_context(kit.fake()) for path, kit in KITS.items()}
        tables = "".join(kit.config(apis[path]) for path, kit in KITS.items())
        port, _, log = stack.enter_context(serving(Path(tmp), tables))
        pid = edge_pid(str(Path(tmp) / "dealbot.toml"))
        deliver = deliverer(port, apis)
        send(deliver, 5, 0, ids)  # warm up: first profile lookups, first inserts
        baseline = send(deliver, args.requests, args.seconds, ids)  # paced as under attack
        rss_before = rss_mb(pid)

        ctx = mp.get_context("spawn")
        stop, stats = ctx.Event(), ctx.Array("q", 4)
        attacker = ctx.Process(
            target=slowloris, daemon=True, args=(port, args.source, args.connections, stop, stats)
        )
        attacker.start()
        deadline = time.monotonic() + 30
        while stats[1] < args.connections and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)
        samples: list[tuple[int, int, float]] = []
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(0.5):
                samples.append((stats[0], established(port), rss_mb(pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        attack = send(deliver, args.requests, args.seconds, ids)
        sampling.set()
        sampler.join()
        stop.set()
        attacker.join(15)
        if attacker.is_alive():
            attacker.terminate()
        guard_lines = sum("edge guard" in line for line in log.read_text().splitlines())

    print(
        f"{args.connections} half-open connections from {args.source}, replaced once a second "
        f"when closed; {args.requests} signed /log deliveries per route and phase, from "
        f"127.0.0.1, {CLIENTS} at a time, spread over {args.seconds:g} s"
    )
    print(
        f"{'route':<18}{'baseline served':>18}{'under slowloris':>18}{'ratio':>8}"
        f"{'p50 ms':>9}{'(base)':>8}{'p99 ms':>9}{'(base)':>8}"
    )
    worst = 1.0
    for path in KITS:
        b_ok, b_n, _ = served(baseline, path)
        a_ok, a_n, other = served(attack, path)
        ratio = (a_ok / a_n) / (b_ok / b_n) if b_ok else 0.0
        worst = min(worst, a_ok / a_n)
        b_t = [t for q, _, t in baseline if q == path]
        a_t = [t for q, _, t in attack if q == path]
        failed = f"  not served: {dict(other)}" if other else ""
        print(
            f"{path:<18}{f'{b_ok}/{b_n}':>18}{f'{a_ok}/{a_n}':>18}{ratio:>8.2f}"
            f"{p(a_t, 50):>9.1f}{p(b_t, 50):>8.1f}{p(a_t, 99):>9.1f}{p(b_t, 99):>8.1f}"
            f"{failed}"
        )
    client_open = [c for c, _, _ in samples]
    at_port = [e for _, e, _ in samples]
    closed, lived = stats[2], stats[3]
    print(
        f"slow connections open as the client saw them: median "
        f"{statistics.median(client_open):.0f}, min {min(client_open)}; established at the "
        f"server's port: median {statistics.median(at_port):.0f}, max {max(at_port)}"
    )
    print(
        f"the server closed {closed} of the {stats[1]} slow connections opened, each after "
        f"{lived / max(closed, 1) / 1000:.1f} s on average; {guard_lines} WARNING line(s) "
        f"in its log"
    )
    print(
        f"edge process memory: {rss_before:.0f} MB before, {max(r for *_, r in samples):.0f} MB"
        f" at most under the slowloris"
    )
    print(
        f"{'PASS' if worst >= 0.99 else 'FAIL'}: {worst:.1%} served on the worst route "
        "under slowloris (the bar: 99 %)"
    )


if __name__ == "__main__":
    main()
