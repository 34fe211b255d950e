"""The neutral side of sending: what a platform sender gets and how it reports failure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.outcome import Button, Card, Message


class RetryLater(Exception):
    """The platform could not take it now (5xx, 429, timeout); try again, maybe after `after` s."""

    def __init__(self, reason: str, *, after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after


class Undeliverable(Exception):
    """It will never work (unknown user, archived channel): dead-letter at once."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One claimed outbox row, as a sender sees it."""

    id: int
    tenant_id: int
    dedup_key: str  # also the idempotency key where a platform has one (Feishu uuid, …)
    platform: str
    target_kind: str  # person | channel | ephemeral | update
    target_id: str  # the platform's user or channel id
    target_name: str
    message: Message
    meta: dict[str, str] = field(default_factory=dict)  # thread, response_url, message ts, …


class Sender(Protocol):
    platform: str
    min_interval: float  # seconds between two messages to one conversation

    def send(self, delivery: Delivery) -> str:
        """Deliver; return the platform's message id. Raise RetryLater or Undeliverable."""
        ...

    # optional: `pace_key(delivery) -> str | None`, the conversation `min_interval` applies to
    # (default: the target id; None: not paced)


def message_to_dict(message: Message) -> dict[str, Any]:
    card = message.card
    return {
        "text": message.text,
        "card": None
        if card is None
        else {
            "key": card.key,
            "title": card.title,
            "body": card.body,
            "fields": [list(f) for f in card.fields],
            "buttons": [{"id": b.id, "label": b.label, "style": b.style} for b in card.buttons],
            "fallback": card.fallback,
        },
    }


def message_from_dict(data: dict[str, Any]) -> Message:
    c = data.get("card")
    card = None
    if c:
        card = Card(
            key=c["key"],
            title=c["title"],
            body=c["body"],
            fields=tuple((f[0], f[1]) for f in c["fields"]),
            buttons=tuple(
                Button(id=b["id"], label=b["label"], style=b["style"]) for b in c["buttons"]
            ),
            fallback=c["fallback"],
        )
    return Message(text=data.get("text", ""), card=card)
