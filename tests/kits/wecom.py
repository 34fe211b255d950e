"""What the conformance test needs to drive WeCom: its fake API, its config table, callbacks
encrypted and signed as WeCom does them (and forged ones), and ways to make its API fail."""

from __future__ import annotations

import itertools
import time
import zlib
from contextlib import AbstractContextManager

from adapters.wecom.client import Api
from adapters.wecom.config import WecomSection
from adapters.wecom.sender import WecomSender
from bot.delivery import Sender
from tests.fakes import wecom_signing as signing
from tests.fakes.wecom_api import FakeWecom

PATH = "/wecom/callback"
_ids = itertools.count()


def fake() -> AbstractContextManager[FakeWecom]:
    return FakeWecom(corp_id=signing.CORP, agent_id=signing.AGENT)


def config(api: FakeWecom) -> str:
    return f"""[wecom]
corp_id = "{signing.CORP}"
agent_id = {signing.AGENT}
secret = "{api.secret}"
token = "{signing.TOKEN}"
encoding_aes_key = "{signing.AES_KEY}"
api_base_url = "{api.url}"
"""


def _msg_id(key: str) -> int:
    return 7_000_000_000 + zlib.crc32(key.encode())


def command(
    api: FakeWecom, text: str, *, key: str | None = None, ts: int | None = None
) -> tuple[bytes, dict[str, str], str]:
    """`/log …` in a 1:1 chat with the app; the same `key` is the same message (a retry)."""
    key = key or f"k{next(_ids)}"
    xml = signing.text_xml(f"/log {text}", msg_id=_msg_id(key))
    return _post(signing.callback(xml, ts=ts))


def _post(signed: tuple[str, bytes]) -> tuple[bytes, dict[str, str], str]:
    query, body = signed
    return body, {"Content-Type": "text/xml"}, query


def forged(api: FakeWecom, text: str) -> list[tuple[bytes, dict[str, str], str]]:
    """The same message: signed with another token, signed 10 minutes ago, not signed, sealed
    for another corp, and wrapped in XML that declares an entity."""
    xml = signing.text_xml(f"/log {text}", msg_id=_msg_id(f"forged{next(_ids)}"))
    body, headers, query = _post(signing.callback(xml))
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>'
    )
    return [
        _post(signing.callback(xml, token="not-the-token")),
        _post(signing.callback(xml, ts=int(time.time()) - 600)),
        (body, headers, ""),
        _post(signing.callback(xml, receive_id="ww_other_corp")),
        (bomb, headers, query),
    ]


def slow_profiles(api: FakeWecom, seconds: float) -> None:
    """Name lookups (done after the answer, by the intake) take this long."""
    api.user_delay = seconds


def answered(api: FakeWecom) -> list[str]:
    return api.texts()


def sender(api: FakeWecom) -> Sender:
    section = WecomSection.model_validate(
        {
            "corp_id": signing.CORP,
            "agent_id": signing.AGENT,
            "secret": api.secret,
            "token": signing.TOKEN,
            "encoding_aes_key": signing.AES_KEY,
            "api_base_url": api.url,
        }
    )
    return WecomSender(Api(section, timeout=1), min_interval=0)


def fail_next(api: FakeWecom, how: str) -> str:
    """Make the next send fail: "rate" (45009), "transient" (HTTP 500) or "permanent" (a user
    who does not exist). Returns the target id to send to."""
    if how == "permanent":
        return "gone"
    api.fail_next.append({"rate": "45009", "transient": "500"}[how])
    return "lisi"
