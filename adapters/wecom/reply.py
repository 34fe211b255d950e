"""Where a WeCom answer goes: the reply route, kept as a ReplyHandle's token for the sender.

- App: a message from the self-built app to the person (their 1:1 chat with it);
- Frame: a reply over the AI bot's long connection, to the frame that brought the message;
- Address: the AI bot's HTTP callback's reply address (one use, within an hour);
- CardCode: a click on the app's card, whose response_code updates that card once.

The token is stored with every outbox row, so its form never changes: `app`, `ws:<req_id>`,
`url:<response_url>`, `rc:<response_code>`. `encode` writes it and `decode` reads it, here
only; a token of any other form (none is written) reads as App, a message to the person.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class App:
    """A message from the self-built app to the person."""


@dataclass(frozen=True)
class Frame:
    """A reply over the AI bot's long connection, to one frame."""

    req_id: str


@dataclass(frozen=True)
class Address:
    """The AI bot's one-use reply address (its HTTP callback's response_url)."""

    url: str


@dataclass(frozen=True)
class CardCode:
    """A click on the app's card: the response_code of the card's one update."""

    code: str


ReplyTo = App | Frame | Address | CardCode


def encode(to: ReplyTo) -> str:
    """The token, as stored."""
    if isinstance(to, Frame):
        return f"ws:{to.req_id}"
    if isinstance(to, Address):
        return f"url:{to.url}"
    if isinstance(to, CardCode):
        return f"rc:{to.code}"
    return "app"


def decode(token: str) -> ReplyTo:
    """A stored token; anything not written by `encode` is App."""
    kind, colon, rest = token.partition(":")
    if not colon:
        return App()
    if kind == "ws":
        return Frame(rest)
    if kind == "url":
        return Address(rest)
    if kind == "rc":
        return CardCode(rest)
    return App()
