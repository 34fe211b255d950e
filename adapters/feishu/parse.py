"""Stored Feishu deliveries → the neutral Event. Pure: profiles come in already looked up.

Feishu writes a mention as a key in the text (`@_user_1`) with the person in `mentions`; here
each key becomes the neutral `@<open_id>` (bot.events.MENTION), and the key of the bot itself
is dropped: it only says the message is addressed to us.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.feishu.edge import words
from bot.events import CardAction, Event, Mention, ReplyHandle, mention_token


@dataclass(frozen=True, kw_only=True)
class User:
    id: str  # open_id
    name: str
    tz: str | None = None
    known: bool = True  # False: the contact API said nothing (no permission, or it failed)


def _when(ms: Any, fallback: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(int(ms) / 1000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return fallback


def _other(theirs: Any, ours: str) -> bool:
    """Someone of another tenant (a customer in an external group): from another org."""
    return bool(theirs) and theirs != ours


def _base(
    envelope: dict[str, Any], user: User, chat: str, zone: str | None, their_tenant: str | None
) -> dict[str, Any]:
    tenant = envelope["header"]["tenant_key"]
    return {
        "platform": "feishu",
        "workspace_id": tenant,  # ours: the tenant the app is installed in
        "user_id": user.id,
        "user_name": user.name,
        "user_timezone": user.tz,
        "workspace_zone": zone,
        "profile_known": user.known,
        "from_other_org": _other(their_tenant, tenant),
        "channel_id": chat,
    }


def mentioned(envelope: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in envelope["event"]["message"].get("mentions") or [] if isinstance(m, dict)]


def open_id(mention: dict[str, Any]) -> str:
    return str((mention.get("id") or {}).get("open_id") or "")


def message(
    envelope: dict[str, Any], user: User, bot: str, when: datetime, zone: str | None = None
) -> Event:
    """A message in a group (addressed when it @-mentions the bot, or starts with a command)
    or in a 1:1 chat with the bot (always addressed)."""
    tenant = envelope["header"]["tenant_key"]
    ev = envelope["event"]
    msg = ev["message"]
    text = words(msg["message_type"], json.loads(msg["content"]))
    addressed = msg["chat_type"] == "p2p"
    people: list[Mention] = []
    for m in mentioned(envelope):
        who = open_id(m)
        if who and who == bot:
            addressed = True
        elif who:
            people.append(
                Mention(
                    token=mention_token(who),
                    user_id=who,
                    name=str(m.get("name") or who),
                    outsider=_other(m.get("tenant_key"), tenant),
                )
            )
    # longest keys first: `@_user_10` must not be read as `@_user_1` + "0"
    for m in sorted(mentioned(envelope), key=lambda m: -len(str(m.get("key")))):
        who = open_id(m)
        token = " " if who and who == bot else mention_token(who) if who else f"@{m.get('name')}"
        text = text.replace(str(m["key"]), token)
    text = re.sub(r"[ \t]+", " ", text).strip()
    if not addressed and text[:1] in ("/", "／"):
        addressed = True  # no slash commands on Feishu: a command typed without the @ is one
    chat = msg["chat_id"]
    root = msg.get("root_id") or None
    group = msg["chat_type"] != "p2p"
    return Event(
        **_base(envelope, user, chat, zone, ev["sender"].get("tenant_key")),
        occurred_at=_when(msg.get("create_time"), when),
        text=text,
        mentions=tuple(people),
        message_id=msg["message_id"],
        thread_id=root,
        addressed=addressed,
        # in a group the answer quotes the message it answers (and stays in its thread)
        reply=ReplyHandle(
            conversation=chat, user_id=user.id, thread=msg["message_id"] if group else None
        ),
    )


def action(envelope: dict[str, Any], user: User, when: datetime, zone: str | None = None) -> Event:
    """A button pressed on one of our cards."""
    ev = envelope["event"]
    operator = ev["operator"]
    context = ev.get("context") or {}
    chat = context.get("open_chat_id") or ""
    card = context.get("open_message_id") or None
    return Event(
        **_base(envelope, user, chat, zone, operator.get("tenant_key")),
        occurred_at=when,
        action=CardAction(button_id=ev["action"]["value"]["b"]),
        reply=ReplyHandle(conversation=chat, user_id=user.id, card_message=card),
    )
