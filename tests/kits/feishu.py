"""What the conformance test needs to drive Feishu: its fake Open API, its config table,
encrypted and signed (and forged) events, and ways to make its API fail."""

from __future__ import annotations

import itertools
import time
from contextlib import AbstractContextManager

from adapters.feishu.client import Api, build
from adapters.feishu.config import FeishuSection
from adapters.feishu.sender import FeishuSender
from bot.delivery import Sender
from tests.fakes import feishu_signing as signing
from tests.fakes.feishu_api import FakeFeishu

PATH = "/feishu/events"
_ids = itertools.count()


def fake() -> AbstractContextManager[FakeFeishu]:
    return FakeFeishu(app_id=signing.APP_ID)


def config(api: FakeFeishu) -> str:
    return f"""[feishu]
app_id = "{signing.APP_ID}"
app_secret = "{api.app_secret}"
verification_token = "{signing.TOKEN}"
encrypt_key = "{signing.ENCRYPT_KEY}"
domain = "{api.url}"
"""


def event(text: str, *, key: str | None = None, token: str = signing.TOKEN) -> dict:
    """`@dealbot /log …` in a group; the same `key` is the same message (Feishu's redeliveries
    carry a new event id)."""
    key = key or f"k{next(_ids)}"
    return signing.message_event(
        f"@_user_1 /log {text}",
        message_id=f"om_{key}",
        token=token,
        mentions=[("@_user_1", signing.BOT, "dealbot")],
    )


def command(
    api: FakeFeishu, text: str, *, key: str | None = None, ts: int | None = None
) -> tuple[bytes, dict[str, str]]:
    return signing.signed(event(text, key=key), ts=ts)


def forged(api: FakeFeishu, text: str) -> list[tuple[bytes, dict[str, str]]]:
    """The same message: signed with another key, signed 10 minutes ago, not signed, with the
    wrong verification token, and an `encrypt` that is not ciphertext."""
    good = event(text)
    body, _ = signing.signed(good)
    return [
        signing.signed(good, sign_key="not-the-key"),
        signing.signed(good, ts=int(time.time()) - 600),
        (body, {"Content-Type": "application/json"}),
        signing.signed(event(text, token="not-the-token")),
        signing.signed(b"\x00garbage that is no event"),
        signing.signed({"encrypt": "bm90IGNpcGhlcnRleHQ="}, encrypt_body=False),
    ]


def slow_profiles(api: FakeFeishu, seconds: float) -> None:
    """Contact lookups (done after the ack, by the intake) take this long."""
    api.contact_delay = seconds


def answered(api: FakeFeishu) -> list[str]:
    return api.texts()


def sender(api: FakeFeishu) -> Sender:
    fields = {"app_id": signing.APP_ID, "app_secret": api.app_secret, "mode": "websocket"}
    section = FeishuSection.model_validate(fields | {"domain": api.url})
    return FeishuSender(Api(build(section, timeout=1), signing.APP_ID), min_interval=0)


def fail_next(api: FakeFeishu, how: str) -> str:
    """Make the next send fail: "rate" (429), "transient" (500) or "permanent" (a user the
    app cannot reach). Returns the target id to send to."""
    if how == "permanent":
        return "ou_gone"
    api.fail_next.append({"rate": "429", "transient": "500"}[how])
    return "ou_alice"
