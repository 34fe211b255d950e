"""What the conformance test needs to drive Slack: its fake API, its config table, signed (and
forged) deliveries, and ways to make its API fail."""

from __future__ import annotations

import itertools
import time
from contextlib import AbstractContextManager
from typing import Any

from adapters.slack.sender import SlackSender
from bot.delivery import Sender
from tests.fakes import slack_signing as signing
from tests.fakes.slack_api import FakeSlack

SECRET = "conformance-signing-secret"
PATH = "/slack/events"
_ids = itertools.count()


def fake() -> AbstractContextManager[FakeSlack]:
    return FakeSlack()


def config(api: FakeSlack) -> str:
    return f"""[slack]
bot_token = "xoxb-conformance"
signing_secret = "{SECRET}"
api_base_url = "{api.url}"
"""


def command(
    api: FakeSlack,
    text: str,
    *,
    key: str | None = None,
    ts: int | None = None,
    secret: str = SECRET,
) -> tuple[bytes, dict[str, str]]:
    """A signed `/log …` slash command; the same `key` is the same delivery (a retry)."""
    key = key or f"k{next(_ids)}"
    body = signing.command_body(
        command="/log",
        text=text,
        user_id="U1",
        team_id="T1",
        channel_id="C1",
        channel_name="sales",
        trigger_id=f"trig-{key}",
        response_url=f"{api.base}/response/{key}",
    )
    headers = signing.headers(body, secret, ts=ts, content_type="application/x-www-form-urlencoded")
    return body, headers


def forged(api: FakeSlack, text: str) -> list[tuple[bytes, dict[str, str]]]:
    """The same command: signed with another secret, signed 10 minutes ago, not signed."""
    body, _ = command(api, text)
    return [
        command(api, text, secret="not-the-secret"),
        command(api, text, ts=int(time.time()) - 600),
        (body, {"Content-Type": "application/x-www-form-urlencoded"}),
    ]


def slow_profiles(api: FakeSlack, seconds: float) -> None:
    """Profile lookups (done after the ack, by the intake) take this long."""
    answer = api.answer

    def slow(method: str, body: dict[str, Any]):  # type: ignore[no-untyped-def]
        if method == "users.info":
            time.sleep(seconds)
        return answer(method, body)

    api.answer = slow  # type: ignore[method-assign]


def answered(api: FakeSlack) -> list[str]:
    """Every answer posted back, as text."""
    return [str(p) for posts in api.responses.values() for p in posts] + [
        str(p) for p in api.posted + api.ephemeral
    ]


def sender(api: FakeSlack) -> Sender:
    return SlackSender(token="xoxb-conformance", base_url=api.url, timeout=1, min_interval=0)


def fail_next(api: FakeSlack, how: str) -> str:
    """Make the next send fail: "rate" (429), "transient" (500) or "permanent" (an unknown
    user). Returns the target id to send to."""
    if how == "permanent":
        return "UGONE"
    api.fail_next.append({"rate": "429", "transient": "500"}[how])
    return "U1"
