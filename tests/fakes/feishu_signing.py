"""Feishu events encrypted and signed exactly as Feishu does, written without lark-oapi.

Why independent: if our adapter verified events with lark-oapi and the tests signed them with
lark-oapi too, a shared mistake would pass both. Here the crypto is done by hand from the
published scheme (and `tests/test_feishu_fakes.py` proves lark-oapi accepts the result):

- body `{"encrypt": b64(iv + AES-256-CBC(SHA256(encrypt_key), iv, PKCS7(plaintext)))}`;
- `X-Lark-Signature = sha256((timestamp + nonce + encrypt_key).encode() + raw_body).hexdigest()`.

The payload builders give schema 2.0 envelopes shaped like lark-oapi's models
(`api/im/v1/model/p2_im_message_receive_v1.py`, `event/callback/model/p2_card_action_trigger.py`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
import uuid
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TOKEN = "v-token-test"  # the app's Verification Token
ENCRYPT_KEY = "test-encrypt-key"  # the app's Encrypt Key
APP_ID = "cli_test"
HOME = "tk_home"  # our tenant_key
BOT = "ou_bot"  # the bot's open_id (FakeFeishu.bot answers the same)


def encrypt(plain: str | bytes, key: str) -> str:
    """Encrypt as Feishu does: AES-256-CBC with key SHA256(key), random IV prepended, base64."""
    data = plain.encode() if isinstance(plain, str) else plain
    digest = hashlib.sha256(key.encode()).digest()
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    enc = Cipher(algorithms.AES(digest), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + enc.update(padded) + enc.finalize()).decode()


def signature(ts: str, nonce: str, key: str, body: bytes) -> str:
    """`X-Lark-Signature`: sha256 over timestamp + nonce + encrypt key, then the raw body."""
    return hashlib.sha256((ts + nonce + key).encode() + body).hexdigest()


def signed(
    payload: dict[str, Any] | bytes,
    *,
    encrypt_key: str = ENCRYPT_KEY,
    ts: int | None = None,
    nonce: str | None = None,
    encrypt_body: bool = True,
    sign_key: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A webhook request body and headers as Feishu would POST them.

    `payload` bytes are sent as given (encrypted unless `encrypt_body` is false) so tests can
    feed garbage; `sign_key` signs with another key than the one that encrypted (forgery tests).
    """
    if isinstance(payload, bytes):
        plain = payload
    else:
        plain = json.dumps(payload, ensure_ascii=False).encode()
    if encrypt_body:
        body = json.dumps({"encrypt": encrypt(plain, encrypt_key)}).encode()
    else:
        body = plain
    stamp = str(int(time.time()) if ts is None else ts)
    once = nonce if nonce is not None else secrets.token_hex(8)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Lark-Request-Timestamp": stamp,
        "X-Lark-Request-Nonce": once,
        "X-Lark-Signature": signature(stamp, once, sign_key or encrypt_key, body),
    }
    return body, headers


def _ids(open_id: str) -> dict[str, str]:
    """A user's three ids; union_id and user_id derived so they are stable per open_id."""
    tail = open_id.removeprefix("ou_")
    return {"open_id": open_id, "union_id": "on_" + tail, "user_id": "u_" + tail}


def _header(
    event_type: str, *, event_id: str | None, token: str, app_id: str, tenant_key: str, ms: int
) -> dict[str, str]:
    return {
        "event_id": event_id or uuid.uuid4().hex,
        "event_type": event_type,
        "create_time": str(ms),
        "token": token,
        "app_id": app_id,
        "tenant_key": tenant_key,
    }


def message_event(
    text: str,
    *,
    message_id: str,
    chat_id: str = "oc_sales",
    chat_type: str = "group",
    open_id: str = "ou_alice",
    tenant_key: str = HOME,
    sender_tenant_key: str | None = None,
    mentions: Sequence[tuple[str, str, str]] = (),
    event_id: str | None = None,
    token: str = TOKEN,
    root_id: str | None = None,
    parent_id: str | None = None,
    app_id: str = APP_ID,
    create_time_ms: int | None = None,
    message_type: str = "text",
) -> dict[str, Any]:
    """An `im.message.receive_v1` envelope (schema 2.0).

    `mentions` are (key, open_id, name), e.g. ("@_user_1", BOT, "dealbot"); in a real group
    message the text carries the keys ("@_user_1 /log Acme call"), not the names.
    """
    ms = int(time.time() * 1000) if create_time_ms is None else create_time_ms
    message: dict[str, Any] = {
        "message_id": message_id,
        "root_id": root_id,
        "parent_id": parent_id,
        "create_time": str(ms),
        "update_time": str(ms),
        "chat_id": chat_id,
        "chat_type": chat_type,
        "message_type": message_type,
        "content": json.dumps({"text": text}, ensure_ascii=False),
        "mentions": [
            {"key": key, "id": _ids(oid), "name": name, "tenant_key": tenant_key}
            for key, oid, name in mentions
        ],
    }
    return {
        "schema": "2.0",
        "header": _header(
            "im.message.receive_v1",
            event_id=event_id,
            token=token,
            app_id=app_id,
            tenant_key=tenant_key,
            ms=ms,
        ),
        "event": {
            "sender": {
                "sender_id": _ids(open_id),
                "sender_type": "user",
                "tenant_key": sender_tenant_key or tenant_key,
            },
            "message": message,
        },
    }


def card_action(
    value: dict[str, Any],
    *,
    open_id: str = "ou_alice",
    tenant_key: str = HOME,
    chat_id: str = "oc_sales",
    message_id: str = "om_card",
    token: str = TOKEN,
    callback_token: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """A `card.action.trigger` envelope (schema 2.0): a click on a button carrying `value`."""
    ms = int(time.time() * 1000)
    return {
        "schema": "2.0",
        "header": _header(
            "card.action.trigger",
            event_id=event_id,
            token=token,
            app_id=APP_ID,
            tenant_key=tenant_key,
            ms=ms,
        ),
        "event": {
            "operator": {"tenant_key": tenant_key, **_ids(open_id)},
            "token": callback_token or "c-" + uuid.uuid4().hex,
            "action": {"tag": "button", "value": value},
            "host": "im_message",
            "context": {"open_message_id": message_id, "open_chat_id": chat_id},
        },
    }


def url_verification(challenge: str, *, token: str = TOKEN) -> dict[str, Any]:
    """The handshake Feishu sends when the request URL is saved in the developer console."""
    return {"challenge": challenge, "token": token, "type": "url_verification"}
