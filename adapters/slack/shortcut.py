"""The message shortcut "Log to a customer" (callback_id `log_to_customer`). Pure.

A `message_action` payload (stored in the inbox like every delivery) becomes a modal opened
with views.open at once, by the worker's parse (its trigger_id lasts 3 seconds): a text input
for the customer and a select for the kind of touch; the message's channel, ts and text ride
in the view's `private_metadata`. The modal's `view_submission` (stored the same way) becomes
the core's `/log <customer> <kind> <the message's words>` in the message's channel, by the
person who submitted it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from adapters.slack import parse
from bot.events import Event, ReplyHandle

CALLBACK = "log_to_customer"
KINDS = ("call", "visit", "meeting", "email", "chat", "note")  # the core's kinds of touch
CUSTOMER_BLOCK, CUSTOMER_INPUT = "customer", "customer_name"
KIND_BLOCK, KIND_INPUT = "kind", "touch_kind"
METADATA_MAX = 3000  # Slack's limit on private_metadata
Say = Callable[..., str]  # a macro of messages/<locale>/shortcut.j2 (and its params) → words


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit]}


def metadata(channel: str, ts: str, text: str) -> str:
    """What the modal carries back: the message's place and its words, within Slack's limit
    (a longer message keeps its start; the modal shows the same text)."""
    data = {"c": channel, "ts": ts, "t": text}
    out = json.dumps(data, ensure_ascii=False)
    while len(out) > METADATA_MAX:
        data["t"] = data["t"][: len(data["t"]) - (len(out) - METADATA_MAX) - 1]
        out = json.dumps(data, ensure_ascii=False)
    return out


def modal(body: dict[str, Any], say: Say) -> dict[str, Any]:
    """The view for views.open, from a message_action payload."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id", "")
    ts = message.get("ts") or body.get("message_ts", "")
    words, _ = parse.plain(message.get("text", ""))
    kept = metadata(channel, ts, words)
    shown = json.loads(kept)["t"]
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "title": _plain(say("title"), 24),
        "submit": _plain(say("submit"), 24),
        "close": _plain(say("close"), 24),
        "private_metadata": kept,
        "blocks": [
            {"type": "context", "elements": [{"type": "plain_text", "text": say("quoted")}]},
            {"type": "section", "text": _plain(shown or " ", 3000)},
            {
                "type": "input",
                "block_id": CUSTOMER_BLOCK,
                "label": _plain(say("customer"), 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": CUSTOMER_INPUT,
                    "max_length": 200,
                    "placeholder": _plain(say("customer_hint"), 150),
                },
            },
            {
                "type": "input",
                "block_id": KIND_BLOCK,
                "label": _plain(say("kind"), 2000),
                "element": {
                    "type": "static_select",
                    "action_id": KIND_INPUT,
                    "initial_option": _option("call", say),
                    "options": [_option(k, say) for k in KINDS],
                },
            },
        ],
    }


def _option(kind: str, say: Say) -> dict[str, Any]:
    return {"text": _plain(say("kind_name", kind=kind), 75), "value": kind}


def quote(name: str) -> str:
    """A customer's name as the core's grammar reads it whole: quoted when it has spaces."""
    name = " ".join(name.split()).replace('"', "")
    return f'"{name}"' if re.search(r"\s", name) else name


def submission(
    body: dict[str, Any], user: parse.User, when: datetime, home: parse.Home
) -> Event | None:
    """The modal's view_submission → `/log <customer> <kind> <words>` where the message was."""
    view = body.get("view") or {}
    kept = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    customer = (values.get(CUSTOMER_BLOCK) or {}).get(CUSTOMER_INPUT) or {}
    chosen = ((values.get(KIND_BLOCK) or {}).get(KIND_INPUT) or {}).get("selected_option") or {}
    name = quote(str(customer.get("value") or ""))
    kind = chosen.get("value") if chosen.get("value") in KINDS else "note"
    channel = str(kept.get("c") or "")
    if not name or not channel:
        return None
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
    enterprise = (body.get("enterprise") or {}).get("id")
    member = home.member(user, team, enterprise)
    text = f"/log {name} {kind} {kept.get('t', '')}".strip()
    return Event(
        platform="slack",
        workspace_id=team if member else home.team,
        user_id=user.id,
        user_name=user.name,
        user_timezone=user.tz,
        user_locale=user.locale,
        profile_known=user.known,
        from_other_org=not member,
        channel_id=channel,
        occurred_at=when,
        text=text,
        message_id=str(kept.get("ts") or "") or None,
        reply=ReplyHandle(conversation=channel, user_id=user.id),
    )
