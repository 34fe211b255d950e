"""Slack: how fast `dealbot serve` acknowledges a signed /log and answers in the channel.

Starts a real `dealbot serve` (SQLite) against the local fake Slack API used by the tests, then
sends N signed slash commands from C concurrent clients. The baseline, measured in the same run,
is GET /healthz (one database round trip, no Slack work). Slack's deadline for the ack is 3 s.
Run:  .venv/bin/python bench/slack_ack.py [--requests 200] [--clients 8]
"""

from __future__ import annotations

import time
import urllib.request

from ack import arguments, measure, report, serve, wait

from tests.fakes import slack_signing
from tests.fakes.slack_api import FakeSlack

SECRET = "bench-signing-secret"


def main() -> None:
    args = arguments(__doc__ or "")
    with (
        FakeSlack() as fake,
        serve(
            f'[slack]\nbot_token = "xoxb-b"\nsigning_secret = "{SECRET}"\n'
            f'api_base_url = "{fake.url}"\n'
        ) as base,
    ):
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
            headers = slack_signing.headers(
                body, SECRET, content_type="application/x-www-form-urlencoded"
            )
            req = urllib.request.Request(
                f"{base}/slack/events", data=body, method="POST", headers=headers
            )
            t = time.perf_counter()
            sent[f"b{n}"] = time.time()
            with urllib.request.urlopen(req, timeout=10) as r:
                assert r.status == 200
            return time.perf_counter() - t

        baseline, acks = measure(base, args, command)
        wait(lambda: len(fake.responses) >= args.requests, 120)
        answered = {k: v for k, v in fake.answered_at.items() if k in sent}
    report(
        args,
        baseline,
        acks,
        [answered[k] - sent[k] for k in answered],
        what="/log",
        deadline_ms=3000,
        answer="answer in the channel",
    )


if __name__ == "__main__":
    main()
