"""Feishu: how fast `dealbot serve` acknowledges an encrypted, signed `@dealbot /记录 …` and
answers in the chat.

Starts a real `dealbot serve` (SQLite) against the local fake Feishu Open API used by the tests,
then sends N encrypted and signed group messages from C concurrent clients. The baseline,
measured in the same run, is GET /healthz (one database round trip, no Feishu work). Feishu's
deadline for the answer is 3 s. "Answered" is the time until the reply quoting the message
reached the fake API (lark-oapi client, token, outbox, 5 messages/s pacing per chat: the
messages go to 10 chats, so pacing shows).
Run:  .venv/bin/python bench/feishu_ack.py [--requests 200] [--clients 8]
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

from tests.fakes import feishu_signing as signing
from tests.fakes.feishu_api import FakeFeishu
from tests.test_serve import free_port, start, stop, wait_healthy


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeFeishu(app_id=signing.APP_ID) as fake:
        port = free_port()
        config = Path(tmp) / "bench.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp}/bench.db"\n[server]\nport = {port}\n'
            f'[bot]\ntimezone = "Asia/Shanghai"\n[outbox]\npoll_seconds = 0.05\n'
            f'[feishu]\napp_id = "{signing.APP_ID}"\napp_secret = "{fake.app_secret}"\n'
            f'verification_token = "{signing.TOKEN}"\nencrypt_key = "{signing.ENCRYPT_KEY}"\n'
            f'domain = "{fake.url}"\n'
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
                event = signing.message_event(
                    f"@_user_1 /记录 华为{n % 20} 电话 压测跟进 {n}", message_id=f"om_b{n}",
                    open_id=f"ou_{n % 10}", chat_id=f"oc_{n % 10}",
                    mentions=[("@_user_1", signing.BOT, "dealbot")],
                )  # fmt: skip
                body, headers = signing.signed(event)
                req = urllib.request.Request(f"{base}/feishu/events", data=body, method="POST",
                                             headers=headers)  # fmt: skip
                t = time.perf_counter()
                sent[f"om_b{n}"] = time.time()
                with urllib.request.urlopen(req, timeout=10) as r:
                    assert r.status == 200
                return time.perf_counter() - t

            with ThreadPoolExecutor(args.clients) as pool:
                baseline = list(pool.map(health, range(args.requests)))
                acks = list(pool.map(message, range(args.requests)))
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and len(fake.replies) < args.requests:
                time.sleep(0.05)
            with fake.lock:
                answered = {r["to"]: r["at"] for r in fake.replies if r["to"] in sent}
            answers = [answered[k] - sent[k] for k in answered]
        finally:
            stop(proc)
    print(f"{args.requests} requests, {args.clients} concurrent clients")
    print(
        f"baseline GET /healthz   p50 {pct(baseline, 50):6.1f} ms  p99 {pct(baseline, 99):6.1f} ms"
    )
    print(
        f"@dealbot /记录 ack      p50 {pct(acks, 50):6.1f} ms  p99 {pct(acks, 99):6.1f} ms  "
        f"({statistics.median(acks) / statistics.median(baseline):.2f}x baseline; "
        f"Feishu allows 3000 ms)"
    )
    if answers:
        print(
            f"answer in the chat      p50 {pct(answers, 50):6.1f} ms  p99 {pct(answers, 99):6.1f} ms"
            f"  ({len(answers)}/{args.requests} answered)"
        )


if __name__ == "__main__":
    main()
