"""What WeCom sends, opened, verified and classified before the answer (adapters/edge.py runs
the steps). Pure: no client, no database.

Two callbacks share these steps, each with its own token and key:
- the self-built app (`/wecom/callback`): XML `<xml><Encrypt>…</Encrypt></xml>`, whose plaintext
  is XML again, sealed for the corp id;
- the AI bot (`/wecom/aibot`): JSON `{"encrypt": …}`, whose plaintext is JSON, sealed for "".
Both sign in the query string (`msg_signature`, `timestamp`, `nonce`), and both check their URL
with a GET whose `echostr` is decrypted and echoed. XML is read with defusedxml: a DTD or an
entity (a "billion laughs") is refused, never expanded. What is stored in the inbox:
{"kind": "app" | "bot", "body": the plaintext as a dict}.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from adapters.edge import Incoming, Refused, Step
from adapters.wecom.crypto import CryptoError, WecomCrypto
from bot.inbox import conversation

# a callback's verified plaintext: the echo of a URL check, or the delivery, parsed
Opened = str | dict[str, Any]


def _xml(data: bytes | str) -> dict[str, str]:
    """A flat WeCom XML document → {tag: text}."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError):
        raise Refused(400, "malformed: not the XML WeCom sends") from None
    return {child.tag: (child.text or "") for child in root}


def _json(data: bytes | str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise Refused(400, "malformed: not JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, "malformed: not an object")
    return value


def _open(crypto: WecomCrypto, query: dict[str, str], sealed: str, now: float | None) -> bytes:
    try:
        return crypto.open(
            query.get("msg_signature", ""),
            query.get("timestamp", ""),
            query.get("nonce", ""),
            sealed,
            now=time.time() if now is None else now,
        )
    except CryptoError as e:
        raise Refused(e.status, e.reason) from None


class Callback:
    """One of WeCom's two callbacks: how its body is sealed and what its plaintext is."""

    def __init__(self, crypto: WecomCrypto, kind: str, corp: str) -> None:
        self.crypto = crypto
        self.kind = kind  # "app" (XML) or "bot" (JSON)
        self.corp = corp

    def open(self, body: bytes, query: dict[str, str], now: float | None = None) -> Opened:
        """Verified plaintext: the echo of a URL check (str), or the delivery (dict)."""
        if "echostr" in query:  # the URL check: signed over echostr, answered with its plaintext
            return _open(self.crypto, query, query["echostr"], now).decode(errors="replace")
        if self.kind == "app":
            sealed = _xml(body).get("Encrypt", "")
        else:
            sealed = _json(body).get("encrypt", "")
        if not isinstance(sealed, str) or not sealed:
            raise Refused(400, "malformed: nothing encrypted")
        plain = _open(self.crypto, query, sealed, now)
        return _xml(plain) if self.kind == "app" else _json(plain)

    def classify(self, opened: Opened) -> Incoming:
        if isinstance(opened, str):
            return Incoming(step=Step.HANDSHAKE, reply=opened)
        return app(opened) if self.kind == "app" else bot(opened, self.corp)


def _need(fields: dict[str, Any], *names: str) -> None:
    for name in names:
        if not isinstance(fields.get(name), str) or not fields[name]:
            raise Refused(400, f"malformed: {name}")


def _bounded(key: str) -> str:
    """The inbox holds keys of up to 200 characters; a longer one (a task id of 128 bytes and a
    long button key) is kept whole as its digest, never cut, which could merge two presses."""
    if len(key) <= KEY_LIMIT:
        return key
    return "click:sha256:" + hashlib.sha256(key.encode()).hexdigest()


KEY_LIMIT = 200  # storage/models.py InboxItem.delivery_key
IGNORE = Incoming(step=Step.IGNORE)
CLICK = "template_card_event"


def app(msg: dict[str, str]) -> Incoming:
    """The self-built app: a person's text or file in their 1:1 chat with it, or a card
    click."""
    _need(msg, "ToUserName", "FromUserName", "CreateTime", "MsgType")
    corp, user = msg["ToUserName"], msg["FromUserName"]
    payload = {"kind": "app", "body": msg}
    where = conversation(user=user)  # the app's chats are 1:1: its person
    if msg["MsgType"] == "text":
        _need(msg, "MsgId")
        return Incoming(
            step=Step.DELIVER,
            workspace=corp,
            key=f"msg:{msg['MsgId']}",
            payload=payload,
            text=msg.get("Content", ""),
            conversation=where,
        )
    if msg["MsgType"] == "file":  # a spreadsheet for /import, fetched by the worker's parse
        _need(msg, "MsgId", "MediaId")
        return Incoming(
            step=Step.DELIVER,
            workspace=corp,
            key=f"msg:{msg['MsgId']}",
            payload=payload,
            conversation=where,
        )
    if msg["MsgType"] == "event" and msg.get("Event") == CLICK:
        _need(msg, "EventKey", "TaskId")
        # events have no id of their own: who, when and which card is WeCom's own dedup rule,
        # and which button, so that two buttons of one card pressed in one second (Snooze,
        # then Done) are two presses; the same button delivered again is still one
        key = _bounded(f"click:{user}:{msg['CreateTime']}:{msg['TaskId']}:{msg['EventKey']}")
        return Incoming(
            step=Step.DELIVER,
            workspace=corp,
            key=key,
            payload=payload,
            waiting=True,
            conversation=where,
        )
    return IGNORE  # images, voice, entering the app, …: nothing for dealbot


def bot(msg: dict[str, Any], corp: str = "") -> Incoming:
    """The AI bot: a text that @-mentions it in a group (or is sent to it 1:1), or a click.
    `corp` is filled in by the platform: the bot's payload does not name the corp."""
    _need(msg, "msgid", "msgtype")
    sender = msg.get("from")
    if not isinstance(sender, dict):
        raise Refused(400, "malformed: from")
    _need(sender, "userid")
    payload = {"kind": "bot", "body": msg}
    user, chat = sender["userid"], msg.get("chatid")
    group = msg.get("chattype") == "group" and isinstance(chat, str) and bool(chat)
    key = f"bot:{msg['msgid']}"
    if msg["msgtype"] == "text":
        text = msg.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("content"), str):
            raise Refused(400, "malformed: text")
        return Incoming(
            step=Step.DELIVER,
            workspace=corp,
            key=key,
            payload=payload,
            text=text["content"],
            conversation=conversation(channel=chat) if group else conversation(user=user),
        )
    event = msg.get("event")
    if msg["msgtype"] == "event" and isinstance(event, dict) and event.get("eventtype") == CLICK:
        click = event.get(CLICK)
        if not isinstance(click, dict):
            raise Refused(400, "malformed: template_card_event")
        _need(click, "event_key", "task_id")
        return Incoming(
            step=Step.DELIVER,
            workspace=corp,
            key=key,
            payload=payload,
            waiting=True,
            conversation=conversation(user=user),  # a click is its person's
        )
    return IGNORE
