"""WeCom: how fast `dealbot serve` acknowledges an encrypted, signed `/记录 …` from a 1:1 chat
with the app, and answers it.

Starts a real `dealbot serve` (SQLite) against the local fake WeCom API used by the tests, then
sends N encrypted and signed callbacks from C concurrent clients. The baseline, measured in the
same run, is GET /healthz (one database round trip, no WeCom work). WeCom waits 5 s for the
answer. "Answered" is the time until the app's message reached the fake API (httpx client,
token, outbox, 2 s pacing per member: the messages come from 20 members, so pacing shows).
Run:  .venv/bin/python bench/wecom_ack.py [--requests 200] [--clients 8]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes import wecom_signing as signing
from tests.fakes.wecom_api import FakeWecom
from tests.test_serve import free_port, start, stop, wait_healthy


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeWecom(corp_id=signing.CORP,
                                                         agent_id=signing.AGENT) as fake:
        port = free_port()
        config = Path(tmp) / "bench.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp}/bench.db"\n[server]\nport = {port}\n'
            f'[outbox]\npoll_seconds = 0.05\n'
            f'[wecom]\ncorp_id = "{signing.CORP}"\nagent_id = {signing.AGENT}\n'
            f'secret = "{fake.secret}"\ntoken = "{signing.TOKEN}"\n'
            f'encoding_aes_key = "{signing.AES_KEY}"\napi_base_url = "{fake.url}"\n'
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

            def message(n: int) -> float:
                user = f"u{n % 20}"
                xml = signing.text_xml(f"/记录 华为{n % 20} 电话 压测跟进 {n}", user=user,
                                       msg_id=1_000_000 + n)  # fmt: skip
                query, body = signing.callback(xml)
                req = urllib.request.Request(f"{base}/wecom/callback?{query}", data=body,
                                             method="POST",
                                             headers={"Content-Type": "text/xml"})  # fmt: skip
                t = time.perf_counter()
                sent[f"压测跟进 {n}"] = time.monotonic()
                with urllib.request.urlopen(req, timeout=10) as r:
                    assert r.status == 200
                return time.perf_counter() - t

            with ThreadPoolExecutor(args.clients) as pool:
                baseline = list(pool.map(health, range(args.requests)))
                acks = list(pool.map(message, range(args.requests)))
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and len(fake.sent) < args.requests:
                time.sleep(0.05)
            answered: dict[str, float] = {}
            with fake.lock:
                for m in fake.sent:
                    words = str(m["content"])
                    for key in sent:  # "压测跟进 1" is not in "压测跟进 10"
                        if re.search(re.escape(key) + r"(?!\d)", words):
                            answered.setdefault(key, m["at"])
            answers = [answered[k] - sent[k] for k in answered]
        finally:
            stop(proc)
    print(f"{args.requests} requests, {args.clients} concurrent clients")
    print(
        f"baseline GET /healthz   p50 {pct(baseline, 50):6.1f} ms  p99 {pct(baseline, 99):6.1f} ms"
    )
    print(
        f"/记录 callback ack      p50 {pct(acks, 50):6.1f} ms  p99 {pct(acks, 99):6.1f} ms  "
        f"({statistics.median(acks) / statistics.median(baseline):.2f}x baseline; "
        f"WeCom allows 5000 ms)"
    )
    if answers:
        print(
            f"answer from the app     p50 {pct(answers, 50):6.1f} ms  p99 {pct(answers, 99):6.1f} ms"
            f"  ({len(answers)}/{args.requests} answered)"
        )


if __name__ == "__main__":
    main()
