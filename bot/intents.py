"""What a command asks for, after parsing and before touching the store: the pieces every
command shares. Each command's own intents are frozen dataclasses in its module under
bot/commands/, subclasses of `Intent`."""

from __future__ import annotations

from dataclasses import dataclass


class Intent:
    """What one command line asks for: a frozen dataclass declared next to its handler."""

    __slots__ = ()


@dataclass(frozen=True, kw_only=True)
class CustomerRef:
    name: str
    quoted: bool = False


@dataclass(frozen=True, kw_only=True)
class ParseError:
    """What was wrong, as a message key and its parameters; `command` picks the example."""

    code: str
    command: str | None = None
    params: tuple[tuple[str, str], ...] = ()
