"""The one inbound type every adapter produces; the core reads nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Mention:
    """`@token` as written in the text, and the platform user it points at."""

    token: str
    user_id: str
    name: str


@dataclass(frozen=True, kw_only=True)
class CardAction:
    """A button press: the button id carries the action and its arguments (`req.confirm:3:2`)."""

    button_id: str
    card_message_id: str | None = None

    @property
    def name(self) -> str:
        return self.button_id.split(":", 1)[0]

    @property
    def args(self) -> tuple[str, ...]:
        return tuple(self.button_id.split(":")[1:])


@dataclass(frozen=True, kw_only=True)
class Event:
    platform: str  # console | slack | feishu | wecom
    workspace_id: str
    user_id: str
    user_name: str
    channel_id: str
    channel_is_dm: bool = False
    text: str | None = None
    action: CardAction | None = None
    mentions: tuple[Mention, ...] = ()
    delivery_id: str | None = None  # for de-duplication of platform retries
    message_id: str | None = None  # the source message, kept with what it created
    thread_id: str | None = None
    occurred_at: datetime
    user_timezone: str | None = None
    user_locale: str | None = None
    from_other_org: bool = False  # e.g. a customer in a Slack Connect channel
    addressed: bool = True  # a command, a DM or an @mention; False: overheard channel chatter
    # platforms whose replies are sent by the outbox (durable, retried) rather than printed
    reply_via_outbox: bool = False
    reply_meta: dict[str, str] = field(default_factory=dict, compare=False)  # e.g. response_url
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
