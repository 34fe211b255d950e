"""The neutral side of sending: what a platform's sender is, what it gets, how it fails."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from bot.events import ReplyHandle
from bot.outcome import Attachment, Button, Card, Message


class TargetKind(StrEnum):
    PERSON = "person"  # a person's direct messages
    CHANNEL = "channel"  # a channel or group chat, for everyone in it
    EPHEMERAL = "ephemeral"  # in a conversation, seen only by one person
    UPDATE = "update"  # replace a card already shown


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
class Capabilities:
    """What a platform can show. The outbox worker turns what it cannot into what it can: a
    private reply becomes a direct message, a card update a new message with the card."""

    ephemeral: bool = False
    update: bool = False
    threads: bool = False
    idempotency_key: bool = False  # the dedup key reaches the platform as its own idempotency key
    page: bool = False  # a page of each person's own in the app (Message.page)


@dataclass(frozen=True, kw_only=True)
class Address:
    """How to reach a person or a channel: the platform and its id there, kept with each
    outbox row (`people.reach` finds a person's)."""

    person_id: int | None
    platform: str
    user_id: str
    name: str


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One claimed outbox row, as a sender sees it."""

    id: int
    tenant_id: int
    dedup_key: str  # also the idempotency key where a platform has one
    platform: str
    kind: TargetKind
    target_id: str  # the platform's user or conversation id
    target_name: str
    message: Message
    reply: ReplyHandle | None = None  # for replies and card updates: the event's own handle
    clicked_by: str = ""  # card updates: who pressed, and when (ISO)
    clicked_at: str = ""
    attempts: int = 1  # this one included: 3 means it failed twice before
    queued_at: datetime | None = None  # when the row was written (a reply: when it was asked)
    data: bytes | None = None  # a stored file's bytes (message.attachment.file_id), loaded to send

    def reply_address_usable(self, lifetime: timedelta, *, tries: int = 2) -> bool:
        """Whether the reply's own address (a response_url, a reply URL) may still work: not
        past the lifetime the platform gives it, and not already failed `tries` times (an
        address that no longer answers). Past either, the sender takes the API instead, so a
        dead address never holds an answer up for its whole backoff."""
        if self.queued_at is not None and datetime.now(UTC) - self.queued_at > lifetime:
            return False
        return self.attempts <= tries

    def conversation(self) -> str:
        return conversation(self.platform, self.target_id, self.reply)


def conversation(platform: str, target_id: str, reply: ReplyHandle | None) -> str:
    """What a push's order is kept within: the chat it answers in, else its target."""
    return f"{platform}:{reply.conversation if reply else target_id}"[:300]


class Sender(ABC):
    """A platform's outbound half. `send` raises RetryLater or Undeliverable; anything else is
    treated as a bug: retried, then dead-lettered."""

    platform: ClassVar[str]
    capabilities: ClassVar[Capabilities] = Capabilities()
    min_interval: float = 0.0  # seconds between two messages to one conversation

    @abstractmethod
    def send(self, delivery: Delivery) -> str:
        """Deliver; return the platform's message id."""

    def pace_key(self, delivery: Delivery) -> str | None:
        """The conversation `min_interval` applies to; None: not paced."""
        return delivery.target_id


def adapt(delivery: Delivery, can: Capabilities) -> Delivery:
    """What a platform cannot show, in a form it can: a private reply as a direct message to
    the person, a card update as the card posted again in the conversation."""
    reply = delivery.reply
    if reply is None:
        return delivery
    if delivery.kind is TargetKind.EPHEMERAL and not can.ephemeral:
        return replace(delivery, kind=TargetKind.PERSON, target_id=reply.user_id)
    if delivery.kind is TargetKind.UPDATE and not can.update:
        return replace(delivery, kind=TargetKind.CHANNEL, target_id=reply.conversation)
    return delivery


def _card_to_dict(card: Card) -> dict[str, Any]:
    return {
        "key": card.key,
        "title": card.title,
        "body": card.body,
        "fields": [list(f) for f in card.fields],
        "buttons": [{"id": b.id, "label": b.label, "style": b.style} for b in card.buttons],
        "fallback": card.fallback,
        "tone": card.tone,
    }


def _card_from_dict(c: dict[str, Any]) -> Card:
    return Card(
        key=c["key"],
        title=c["title"],
        body=c["body"],
        fields=tuple((f[0], f[1]) for f in c["fields"]),
        buttons=tuple(Button(id=b["id"], label=b["label"], style=b["style"]) for b in c["buttons"]),
        fallback=c["fallback"],
        tone=c.get("tone") or "info",  # rows written before tones: informational
    )


def message_to_dict(message: Message) -> dict[str, Any]:
    card = message.card
    return {
        "text": message.text,
        "card": None if card is None else _card_to_dict(card),
        **({"attachment": message.attachment.to_dict()} if message.attachment else {}),
        **({"page": [_card_to_dict(c) for c in message.page]} if message.page else {}),
    }


def message_from_dict(data: dict[str, Any]) -> Message:
    c = data.get("card")
    attachment = data.get("attachment")
    return Message(
        text=data.get("text", ""),
        card=_card_from_dict(c) if c else None,
        attachment=Attachment.from_dict(attachment) if attachment else None,
        page=tuple(_card_from_dict(p) for p in data.get("page") or ()),
    )
