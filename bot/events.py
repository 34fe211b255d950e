"""The one inbound type every adapter produces; the core reads nothing else."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

# The one neutral mention token: `@` and a platform user id (or a name the console typed).
# Each adapter rewrites its platform's own mention markup to this
# before the core sees the text; the grammar and the console read mentions with this regex.
MENTION = re.compile(r"(?<![\w@])@([^\s@,:;!?。，：；！？]+)")


def mention_token(user_id: str) -> str:
    return "@" + user_id


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: str) -> str:
    """What a person wrote, without control characters (newlines and tabs stay): they are
    never meant, some stores refuse them (NUL), and the core uses two to mark people."""
    return _CONTROL.sub("", text.replace("\r\n", "\n"))


@dataclass(frozen=True, kw_only=True)
class Mention:
    """`@token` as written in the text, and the platform user it points at."""

    token: str
    user_id: str
    name: str


@dataclass(frozen=True, kw_only=True)
class CardAction:
    """A button press: the button id carries the action and its arguments (bot/buttons.py)."""

    button_id: str


@dataclass(frozen=True, kw_only=True)
class ReplyHandle:
    """Where the answer to one event goes. Built by the platform that received the event and
    handed back to that platform's sender; the core only stores and returns it."""

    conversation: str  # the channel / chat the event came from
    user_id: str  # who spoke: the target of a private (ephemeral) reply
    thread: str | None = None  # reply in this thread, where the platform has threads
    token: str = ""  # the platform's own reply capability (a reply URL, …); never logged
    card_message: str | None = None  # the message of the clicked card, to update it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ReplyHandle | None:
        """A stored handle; whatever it lacks reads as empty, so a row never fails to load."""
        if not isinstance(data, dict):
            return None
        return cls(
            conversation=str(data.get("conversation") or ""),
            user_id=str(data.get("user_id") or ""),
            thread=data.get("thread") or None,
            token=str(data.get("token") or ""),
            card_message=data.get("card_message") or None,
        )


@dataclass(frozen=True, kw_only=True)
class Event:
    platform: str
    workspace_id: str
    user_id: str
    user_name: str
    channel_id: str
    text: str | None = None
    action: CardAction | None = None
    mentions: tuple[Mention, ...] = ()
    message_id: str | None = None  # the source message, kept with what it created
    thread_id: str | None = None
    occurred_at: datetime
    user_timezone: str | None = None
    user_locale: str | None = None
    from_other_org: bool = False  # e.g. a customer in a channel shared with their company
    addressed: bool = True  # the edge decides: a command, a DM or an @mention of the bot
    reply: ReplyHandle | None = None  # None: answer in `channel_id`, to `user_id`

    def __post_init__(self) -> None:
        # every platform's text passes here: what people typed and their names are cleaned once
        if self.text is not None:
            object.__setattr__(self, "text", clean(self.text))
        object.__setattr__(self, "user_name", clean(self.user_name))
        if self.mentions:
            named = tuple(Mention(token=m.token, user_id=m.user_id, name=clean(m.name))
                          for m in self.mentions)  # fmt: skip
            object.__setattr__(self, "mentions", named)

    def reply_handle(self) -> ReplyHandle:
        return self.reply or ReplyHandle(
            conversation=self.channel_id, user_id=self.user_id, thread=self.thread_id
        )
