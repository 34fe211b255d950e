"""The one inbound type every adapter produces; the core reads nothing else."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from storage.names import clean, drop_controls

# The one neutral mention token: `@` and a platform user id (or a name the console typed).
# Each adapter rewrites its platform's own mention markup to this
# before the core sees the text; the grammar and the console read mentions with this regex.
MENTION = re.compile(r"(?<![\w@])@([^\s@,:;!?。，：；！？]+)")


def mention_token(user_id: str) -> str:
    return "@" + user_id


# The narrowest column that holds a platform id (identities, workspaces, channels, threads):
# a longer id is stored as its start + "~" + a hash of the whole, always the same for one id.
ID_MAX = 100
NAME_MAX = 200  # people's display names and handles
_ID_HASH = 16


def bound_id(value: str) -> str:
    """A platform id as the store keeps it: control characters dropped, at most ID_MAX long;
    a longer one maps, every time, to the same bounded id."""
    value = drop_controls(value)
    if len(value) <= ID_MAX:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:_ID_HASH]
    return value[: ID_MAX - _ID_HASH - 1] + "~" + digest


def _bound_name(value: str) -> str:
    return clean(value)[:NAME_MAX]


@dataclass(frozen=True, kw_only=True)
class Mention:
    """`@token` as written in the text, and the platform user it points at."""

    token: str
    user_id: str
    name: str
    outsider: bool = False  # someone from another organisation: never a person here


@dataclass(frozen=True, kw_only=True)
class CardAction:
    """A button press: the button id carries the action and its arguments (bot/buttons.py)."""

    button_id: str


@dataclass(frozen=True, kw_only=True)
class Upload:
    """A file someone sent the bot (a spreadsheet for /import), fetched by the platform's parse
    in the worker, never at the edge. `data` is None when it was not fetched: `refused` says why
    ("too_large" past `size`, "fetch_failed", "not_a_file")."""

    name: str
    size: int | None = None
    data: bytes | None = None
    refused: str = ""


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
    profile_known: bool = True  # False: the platform's profile lookup failed (name is the id)
    from_other_org: bool = False  # e.g. a customer in a channel shared with their company
    addressed: bool = True  # the edge decides: a command, a DM or an @mention of the bot
    # where the platform says this workspace works, for a tenant first seen through it when no
    # zone is configured (a platform served only in mainland China: Asia/Shanghai); None: it
    # does not say
    workspace_zone: str | None = None
    reply: ReplyHandle | None = None  # None: answer in `channel_id`, to `user_id`
    upload: Upload | None = None  # a file sent with (or as) the message
    # the person opened their own page in the app, or pressed a button on it: the answer is
    # that page, shown again (bot/home.py)
    page: bool = False

    def __post_init__(self) -> None:
        # every platform's text passes here: what people typed and their names are cleaned once,
        # and ids are bounded to what the store holds (the same long id → the same stored id)
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        if self.text is not None:
            put("text", clean(self.text))
        if self.action is not None and clean(self.action.button_id) != self.action.button_id:
            put("action", CardAction(button_id=clean(self.action.button_id)))  # echoed if unknown
        put("user_name", _bound_name(self.user_name))
        raw = (self.channel_id, self.user_id, self.thread_id)
        for name in ("workspace_id", "user_id", "channel_id"):
            put(name, bound_id(getattr(self, name)))
        for name in ("thread_id", "message_id"):
            value = getattr(self, name)
            if value is not None:
                put(name, bound_id(value))
        if self.reply is None and raw != (self.channel_id, self.user_id, self.thread_id):
            # the store keeps bounded ids; the answer must still reach the platform's real ones
            put("reply", ReplyHandle(conversation=raw[0], user_id=raw[1], thread=raw[2]))
        if self.mentions:
            named = tuple(
                replace(m, user_id=bound_id(m.user_id), name=_bound_name(m.name))
                for m in self.mentions
            )
            put("mentions", named)
        # a zone or locale longer than any real one is not one: the tenant's default applies
        if self.user_timezone is not None and len(self.user_timezone) > 64:
            put("user_timezone", None)
        if self.user_locale is not None and len(self.user_locale) > 10:
            put("user_locale", None)

    def reply_handle(self) -> ReplyHandle:
        return self.reply or ReplyHandle(
            conversation=self.channel_id, user_id=self.user_id, thread=self.thread_id
        )
