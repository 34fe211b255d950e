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

import re
import time
import urllib.request

from ack import arguments, measure, report, serve, wait

from tests.fakes import wecom_signing as signing
from tests.fakes.wecom_api import FakeWecom


def main() -> None:
    args = arguments(__doc__ or "")
    with (
        FakeWecom(corp_id=signing.CORP, agent_id=signing.AGENT) as fake,
        serve(
            f'[wecom]\ncorp_id = "{signing.CORP}"\nagent_id = {signing.AGENT}\n'
            f'secret = "{fake.secret}"\ntoken = "{signing.TOKEN}"\n'
            f'encoding_aes_key = "{signing.AES_KEY}"\napi_base_url = "{fake.url}"\n'
        ) as base,
    ):
        sent: dict[str, float] = {}

        def message(n: int) -> float:
            xml = signing.text_xml(
                f"/记录 华为{n % 20} 电话 压测跟进 {n}", user=f"u{n % 20}", msg_id=1_000_000 + n
            )
            query, body = signing.callback(xml)
            req = urllib.request.Request(
                f"{base}/wecom/callback?{query}",
                data=body,
                method="POST",
                headers={"Content-Type": "text/xml"},
            )
            t = time.perf_counter()
            sent[f"压测跟进 {n}"] = time.monotonic()
            with urllib.request.urlopen(req, timeout=10) as r:
                assert r.status == 200
            return time.perf_counter() - t

        baseline, acks = measure(base, args, message)
        wait(lambda: len(fake.sent) >= args.requests)
        answered: dict[str, float] = {}
        with fake.lock:
            for m in fake.sent:
                for key in sent:  # "压测跟进 1" is not in "压测跟进 10"
                    if re.search(re.escape(key) + r"(?!\d)", str(m["content"])):
                        answered.setdefault(key, m["at"])
    report(
        args,
        baseline,
        acks,
        [answered[k] - sent[k] for k in answered],
        what="/记录 callback",
        deadline_ms=5000,
        answer="answer from the app",
    )


if __name__ == "__main__":
    main()
