"""Requests signed exactly as Slack signs them (v0 HMAC-SHA256 of `v0:{ts}:{body}`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode


def headers(
    body: bytes, secret: str, *, ts: int | None = None, content_type: str = "application/json"
) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    base = f"v0:{ts}:".encode() + body
    sig = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sig,
        "Content-Type": content_type,
    }


ORG = "E1"  # the Enterprise Grid org the fake API says we are installed in


def command_body(**fields: Any) -> bytes:
    return urlencode({"enterprise_id": ORG} | fields).encode()


def action_body(payload: dict[str, Any]) -> bytes:
    if isinstance(payload, dict):  # (a malformed one is sent as it is)
        payload = {"enterprise": {"id": ORG}} | payload
    return urlencode({"payload": json.dumps(payload)}).encode()


def event_body(event: dict[str, Any], *, team: str, event_id: str) -> bytes:
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": team,
            "enterprise_id": ORG,
            "api_app_id": "A1",
            "event": event,
            "event_id": event_id,
            "event_time": int(time.time()),
        }
    ).encode()
