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

import time
import urllib.request

from ack import arguments, measure, report, serve, wait

from tests.fakes import feishu_signing as signing
from tests.fakes.feishu_api import FakeFeishu


def main() -> None:
    args = arguments(__doc__ or "")
    with (
        FakeFeishu(app_id=signing.APP_ID) as fake,
        serve(
            f'[feishu]\napp_id = "{signing.APP_ID}"\napp_secret = "{fake.app_secret}"\n'
            f'verification_token = "{signing.TOKEN}"\nencrypt_key = "{signing.ENCRYPT_KEY}"\n'
            f'domain = "{fake.url}"\n'
        ) as base,
    ):
        sent: dict[str, float] = {}

        def message(n: int) -> float:
            event = signing.message_event(
                f"@_user_1 /记录 华为{n % 20} 电话 压测跟进 {n}",
                message_id=f"om_b{n}",
                open_id=f"ou_{n % 10}",
                chat_id=f"oc_{n % 10}",
                mentions=[("@_user_1", signing.BOT, "dealbot")],
            )
            body, headers = signing.signed(event)
            req = urllib.request.Request(
                f"{base}/feishu/events", data=body, method="POST", headers=headers
            )
            t = time.perf_counter()
            sent[f"om_b{n}"] = time.time()
            with urllib.request.urlopen(req, timeout=10) as r:
                assert r.status == 200
            return time.perf_counter() - t

        baseline, acks = measure(base, args, message)
        wait(lambda: len(fake.replies) >= args.requests)
        with fake.lock:
            answered = {r["to"]: r["at"] for r in fake.replies if r["to"] in sent}
    report(
        args,
        baseline,
        acks,
        [answered[k] - sent[k] for k in answered],
        what="@dealbot /记录",
        deadline_ms=3000,
        answer="answer in the chat",
    )


if __name__ == "__main__":
    main()
