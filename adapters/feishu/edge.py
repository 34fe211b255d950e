"""What Feishu sends, opened, verified and classified before the answer (adapters/edge.py runs
the steps). Pure: no SDK client, no database.

Webhook bodies are `{"encrypt": …}` (AES-256-CBC, key = SHA-256 of the Encrypt Key) and signed
with `X-Lark-Signature = sha256(timestamp + nonce + encrypt_key + body)`. lark-oapi's own
handler compares with `!=`, has no replay window and answers 500 to every failure (which makes
Feishu send it again), so the checks are done here: constant-time, a 5-minute window, 4xx.
The same `classify` serves the webhook and the long connection, so both store the same thing
in the inbox: {"kind": "message" | "action", "body": <the event envelope, schema 2.0>}.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any

from lark_oapi.core.utils.decryptor import AESCipher

from adapters.edge import Incoming, Refused, Step
from bot.inbox import conversation

WINDOW = 300  # seconds a signed request stays valid: a replay after that is refused
MESSAGE = "im.message.receive_v1"
ACTION = "card.action.trigger"
TEXT_TYPES = {"text", "post"}  # what a person types; images and files carry no command
# a file sent to the bot 1:1 (a spreadsheet for /import), fetched by the worker's parse; in a
# group a file cannot @-mention the bot, so it is never addressed to us there
FILE = "file"


def _json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise Refused(400, "malformed: not JSON") from None


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Refused(400, f"malformed: {what}")
    return value


def _str(value: Any, what: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise Refused(400, f"malformed: {what}")
    return value


def read(payload: bytes) -> dict[str, Any]:
    """A plaintext event (the long connection's frames)."""
    return _dict(_json(payload), "event")


def open_body(body: bytes, encrypt_key: str) -> dict[str, Any]:
    """The event inside a webhook body: decrypted when encrypted. Garbage is a 400."""
    outer = read(body)
    sealed = outer.get("encrypt")
    if sealed is None:
        return outer
    if not encrypt_key:
        raise Refused(400, "malformed: encrypted, but no encrypt_key is configured")
    try:
        plain = AESCipher(encrypt_key).decrypt(
            base64.b64decode(_str(sealed, "encrypt"), validate=True)
        )
        return _dict(_json(plain.decode()), "event")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Refused(400, "malformed: encrypt") from None


def check_signature(body: bytes, headers: dict[str, str], encrypt_key: str, now: float) -> None:
    timestamp = headers.get("x-lark-request-timestamp", "")
    nonce = headers.get("x-lark-request-nonce", "")
    signature = headers.get("x-lark-signature", "")
    if not (timestamp and nonce and signature):
        raise Refused(401, "invalid request: not signed")
    try:
        sent = int(timestamp)
    except ValueError:
        raise Refused(401, "invalid request: bad timestamp") from None
    if abs(now - sent) > WINDOW:
        raise Refused(401, "invalid request: stale")
    expected = hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise Refused(401, "invalid request: signature")


def token_of(event: dict[str, Any]) -> str:
    header = event.get("header")
    token = header.get("token") if isinstance(header, dict) else event.get("token")
    return token if isinstance(token, str) else ""


def verify(
    body: bytes, headers: dict[str, str], *, encrypt_key: str, token: str, now: float | None = None
) -> dict[str, Any]:
    """The verified event of a webhook request. The URL check carries only the token (Feishu
    does not sign it); everything else must be signed, fresh and carry the token."""
    event = open_body(body, encrypt_key)
    if not hmac.compare_digest(token_of(event).encode(), token.encode()):
        raise Refused(401, "invalid request: token")
    if event.get("type") != "url_verification":
        check_signature(body, headers, encrypt_key, time.time() if now is None else now)
    return event


IGNORE = Incoming(step=Step.IGNORE)


def classify(event: dict[str, Any]) -> Incoming:
    """A verified event → what to do with it. The inbox key is Feishu's own id of what a person
    did (the message id; for a click, the callback's token): the event id changes between
    redeliveries, which come for about 7 hours and across restarts."""
    if event.get("type") == "url_verification":
        return Incoming(
            step=Step.HANDSHAKE, reply={"challenge": _str(event.get("challenge"), "challenge")}
        )
    if event.get("schema") != "2.0":
        return IGNORE  # 1.0 events: none that dealbot subscribes to
    header = _dict(event.get("header"), "header")
    kind = _str(header.get("event_type"), "header.event_type")
    tenant = _str(header.get("tenant_key"), "header.tenant_key")
    body = _dict(event.get("event"), "event")
    if kind == MESSAGE:
        return _message(event, body, tenant)
    if kind == ACTION:
        return _action(event, body, tenant, header)
    return IGNORE


def _message(event: dict[str, Any], body: dict[str, Any], tenant: str) -> Incoming:
    sender = _dict(body.get("sender"), "event.sender")
    if sender.get("sender_type") != "user":
        return IGNORE  # our own messages and other apps'
    _str(_dict(sender.get("sender_id"), "sender.sender_id").get("open_id"), "sender.open_id")
    message = _dict(body.get("message"), "event.message")
    message_id = _str(message.get("message_id"), "message.message_id")
    for field in ("chat_id", "chat_type", "message_type"):
        _str(message.get(field), f"message.{field}")
    for field in ("root_id", "parent_id", "create_time"):
        _str(message.get(field), f"message.{field}", required=False)
    kind = message["message_type"]
    if kind not in TEXT_TYPES and not (kind == FILE and message["chat_type"] == "p2p"):
        return IGNORE
    content = _dict(_json(_str(message.get("content"), "message.content")), "message.content")
    if kind == FILE:
        _str(content.get("file_key"), "content.file_key")
        _str(content.get("file_name"), "content.file_name", required=False)
    mentions = message.get("mentions") or []
    if not isinstance(mentions, list):
        raise Refused(400, "malformed: message.mentions")
    for m in mentions:
        _str(_dict(m, "mention").get("key"), "mention.key")
        _dict(m.get("id"), "mention.id")
    return Incoming(
        step=Step.DELIVER,
        workspace=tenant,
        key=f"msg:{message_id}",
        payload={"kind": "message", "body": event},
        text=words(message["message_type"], content),
        conversation=conversation(channel=message["chat_id"]),  # a group, or the 1:1 chat
    )


def _action(
    event: dict[str, Any], body: dict[str, Any], tenant: str, header: dict[str, Any]
) -> Incoming:
    operator = _dict(body.get("operator"), "event.operator")
    clicker = _str(operator.get("open_id"), "operator.open_id")
    action = _dict(body.get("action"), "event.action")
    value = _dict(action.get("value"), "action.value")
    _str(value.get("b"), "action.value.b")
    context = _dict(body.get("context") or {}, "event.context")
    _str(context.get("open_message_id"), "context.open_message_id", required=False)
    _str(context.get("open_chat_id"), "context.open_chat_id", required=False)
    click = body.get("token") or header.get("event_id")
    return Incoming(
        step=Step.DELIVER,
        workspace=tenant,
        key=f"action:{_str(click, 'event.token')}",
        payload={"kind": "action", "body": event},
        waiting=True,
        conversation=conversation(user=clicker),  # a click is its person's
    )


def words(message_type: str, content: dict[str, Any]) -> str:
    """The text of a text or post message, mention keys (`@_user_1`) left in place; a file
    carries none."""
    if message_type == "text":
        text = content.get("text")
        return text if isinstance(text, str) else ""
    if message_type != "post":
        return ""
    # a post: {"title": …, "content": [[{"tag": "text", "text": …}, {"tag": "at", …}], …]}
    # (sent as typed, or wrapped in a locale such as {"zh_cn": {…}})
    if "content" not in content and len(content) == 1:
        inner = next(iter(content.values()))
        content = inner if isinstance(inner, dict) else {}
    lines = []
    for line in content.get("content") or []:
        parts = []
        for el in line if isinstance(line, list) else []:
            if not isinstance(el, dict):
                continue
            if el.get("tag") in ("text", "a"):
                parts.append(str(el.get("text") or ""))
            elif el.get("tag") == "at":
                parts.append(str(el.get("user_id") or ""))
        lines.append("".join(parts))
    title = content.get("title")
    return "\n".join(([title] if isinstance(title, str) and title else []) + lines)
