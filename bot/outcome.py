"""What handling produces: replies, pushes and cards, all neutral; adapters render them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class Button:
    id: str  # `<action>:<arg>:<arg>`, pressed back as CardAction.button_id
    label: str
    style: str = "default"  # default | primary | danger


@dataclass(frozen=True, kw_only=True)
class Card:
    """One neutral card; `fallback` is the whole card as text, for platforms without cards."""

    key: str  # stable identity, e.g. `req:3`, so a later version replaces the shown one
    title: str
    body: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()
    fallback: str = ""


@dataclass(frozen=True, kw_only=True)
class Message:
    text: str = ""
    card: Card | None = None


@dataclass(frozen=True, kw_only=True)
class Reply:
    """An answer in the conversation the event came from."""

    message: Message
    private: bool = False  # only the speaker sees it (ephemeral where the platform can)


@dataclass(frozen=True, kw_only=True)
class Push:
    """A message to a person (their DM on their platform) or to a channel."""

    message: Message
    person_id: int | None = None
    channel_platform: str | None = None
    channel_id: str | None = None
    key: str | None = None  # the dedup key of what it reports (rules); None: from the event


@dataclass(frozen=True, kw_only=True)
class CardUpdate:
    """Replace a card already shown (after a click), wherever it was shown."""

    card: Card


@dataclass(kw_only=True)
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    pushes: list[Push] = field(default_factory=list)
    updates: list[CardUpdate] = field(default_factory=list)

    def reply(self, text: str = "", *, card: Card | None = None, private: bool = False) -> Outcome:
        self.replies.append(Reply(message=Message(text=text, card=card), private=private))
        return self

    def push(
        self, person_id: int, text: str = "", *, card: Card | None = None, key: str | None = None
    ) -> Outcome:
        self.pushes.append(
            Push(message=Message(text=text, card=card), person_id=person_id, key=key)
        )
        return self

    def extend(self, other: Outcome) -> Outcome:
        self.replies += other.replies
        self.pushes += other.pushes
        self.updates += other.updates
        return self
