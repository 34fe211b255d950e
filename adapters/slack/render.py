"""Neutral messages → Slack text + Block Kit, within Slack's limits. Pure."""

from __future__ import annotations

import hashlib
from typing import Any

from bot import mentions
from bot.outcome import Card, Message

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_BUTTON_TEXT = 75
MAX_VIEW_BLOCKS = 100  # a Home tab's view


def escape(text: str) -> str:
    """Slack mrkdwn control characters, so a customer's words never break formatting; then
    the people dealbot names, as Slack mentions that notify them."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return mentions.render(text, lambda user_id, name: f"<@{user_id}>")


def plain(text: str) -> str:
    """For plain_text fields (headers, buttons), where a mention cannot notify: `@name`."""
    return mentions.render(text)


def _sections(text: str) -> list[dict[str, Any]]:
    chunks, current = [], ""
    for line in escape(text).splitlines():
        while len(line) > MAX_SECTION:  # one enormous line: hard split
            chunks.append(current) if current else None
            current = ""
            chunks.append(line[:MAX_SECTION])
            line = line[MAX_SECTION:]
        if len(current) + len(line) + 1 > MAX_SECTION:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in chunks]


def _digest(card: Card) -> str:
    content = "\x00".join([card.title, card.body, *(f"{k}={v}" for k, v in card.fields)])
    return hashlib.sha1(content.encode()).hexdigest()[:10]


def card_blocks(card: Card) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": plain(card.title)[:150]}}
    ]
    blocks += _sections(card.body)
    if card.fields:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{escape(k)}*\n{escape(v)}"[:2000]}
                    for k, v in card.fields[:10]
                ],
            }
        )
    if card.buttons:
        blocks.append(
            {
                "type": "actions",
                # a new block_id per revision of the card, the same for the same content
                "block_id": f"{card.key}:{_digest(card)}"[:255],
                "elements": [
                    {
                        "type": "button",
                        "action_id": b.id[:255],
                        "value": b.id[:2000],
                        "text": {"type": "plain_text", "text": plain(b.label)[:MAX_BUTTON_TEXT]},
                        **({"style": b.style} if b.style in ("primary", "danger") else {}),
                    }
                    for b in card.buttons[:25]
                ],
            }
        )
    return blocks


def message(msg: Message) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / chat.update (without channel)."""
    blocks: list[dict[str, Any]] = []
    if msg.text:
        blocks += _sections(msg.text)
    if msg.card is not None:
        blocks += card_blocks(msg.card)
    if len(blocks) > MAX_BLOCKS:  # keep the buttons, which sit last
        blocks = (
            blocks[: MAX_BLOCKS - 2]
            + [{"type": "context", "elements": [{"type": "mrkdwn", "text": "…"}]}]
            + blocks[-1:]
        )
    fallback = msg.text or (msg.card.fallback if msg.card else "")
    return {"text": escape(fallback)[:39000], "blocks": blocks}


def home(cards: tuple[Card, ...]) -> dict[str, Any]:
    """The Home tab's view for views.publish: each card of the page, a divider between."""
    blocks: list[dict[str, Any]] = []
    for card in cards:
        part = ([{"type": "divider"}] if blocks else []) + card_blocks(card)
        if len(blocks) + len(part) > MAX_VIEW_BLOCKS:
            break
        blocks += part
    return {"type": "home", "blocks": blocks}


def clicked(actor: str, at_iso: str) -> dict[str, Any]:
    """The line a card gets after a click: who, and when (in each reader's own zone)."""
    from datetime import datetime

    when = datetime.fromisoformat(at_iso) if at_iso else None
    stamp = (
        f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{at_iso}>" if when else ""
    )
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f"{escape(actor)} · {stamp}"}],
    }
