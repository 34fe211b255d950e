"""Stored WeCom deliveries → the neutral Event. Pure: names come in already looked up.

Both surfaces name a person by their userid in the corp, so a rep is one person whether they
write to the app 1:1 or @ the AI bot in a group. Where the answer goes is kept in the
ReplyHandle's token, for the sender: the reply route (adapters/wecom/reply.py), encoded.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from adapters.wecom.reply import App, CardCode, ReplyTo, encode
from bot.events import CardAction, Event, ReplyHandle

ZONE = "Asia/Shanghai"  # WeCom serves companies in mainland China
# "@dealbot /记录 …": the AI bot is told of a group message only when it is @-mentioned, and
# the text begins with that mention, by the bot's display name
_LEADING_MENTION = re.compile(r"^\s*@\S+\s*")


def _when(seconds: Any, fallback: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(int(seconds), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return fallback


def _base(corp: str, user: str, name: str, known: bool, channel: str) -> dict[str, Any]:
    return {
        "platform": "wecom",
        "workspace_id": corp,
        "user_id": user,
        "user_name": name,
        "profile_known": known,
        "workspace_zone": ZONE,
        "channel_id": channel,
    }


def app(body: dict[str, str], corp: str, name: str, known: bool, when: datetime) -> Event:
    """The self-built app: a text or a file in the person's 1:1 chat with it, or a click on its
    card."""
    user = body["FromUserName"]
    base = _base(corp, user, name, known, user) | {"occurred_at": _when(body["CreateTime"], when)}
    if body["MsgType"] in ("text", "file"):  # a file carries no text: its upload is added
        return Event(
            **base,
            text=body.get("Content", ""),
            message_id=body["MsgId"],
            addressed=True,
            reply=ReplyHandle(conversation=user, user_id=user, token=encode(App())),
        )
    return Event(
        **base,
        action=CardAction(button_id=body["EventKey"]),
        reply=ReplyHandle(
            conversation=user,
            user_id=user,
            token=encode(CardCode(str(body.get("ResponseCode", "")))),
            card_message=body["TaskId"],
        ),
    )


def bot(
    body: dict[str, Any], corp: str, name: str, known: bool, when: datetime, reply_to: ReplyTo
) -> Event:
    """The AI bot: a text that @-mentions it in a group (or sent to it 1:1), or a click.
    `reply_to` is its frame on the long connection, or its callback's reply address."""
    user = body["from"]["userid"]
    group = body.get("chattype") == "group"
    chat = str(body.get("chatid") or "") if group else user
    base = _base(corp, user, name, known, chat) | {
        "occurred_at": _when(body.get("create_time"), when)
    }
    if body["msgtype"] == "text":
        text = body["text"]["content"]
        if group:
            text = _LEADING_MENTION.sub("", text, count=1)
        return Event(
            **base,
            text=text,
            message_id=body["msgid"],
            addressed=True,
            reply=ReplyHandle(conversation=chat, user_id=user, token=encode(reply_to)),
        )
    click = body["event"]["template_card_event"]
    return Event(
        **base,
        action=CardAction(button_id=click["event_key"]),
        reply=ReplyHandle(
            conversation=chat,
            user_id=user,
            token=encode(reply_to),
            card_message=click["task_id"],
        ),
    )
