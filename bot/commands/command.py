"""The one declaration of a command: its names, grammar, intents, handlers and buttons.

Each command is a `Command` in its own module under bot/commands/, listed once in
bot/commands/__init__.py; the lexer's names, the grammar's dispatch, the handler's dispatch,
/help and the slash-command manifest are all read from that list. Every word a person reads
about a command is in its two templates, messages/en/<key>.j2 and messages/zh_CN/<key>.j2:
`what()` (its help line), `example()`, `summary()` and `usage()` (a command menu's line and
argument hint), and whatever its handler says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot import buttons
from bot.buttons import Press
from bot.context import Context
from bot.grammar.line import Line
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Outcome

A = TypeVar("A")

Parser = Callable[[Line, list[Token]], Intent]
Handler = Callable[[Context, Any], Outcome]


@dataclass(frozen=True, kw_only=True)
class Action(Generic[A]):
    """One kind of button a command puts on its cards. Its id is `<act>:<n>:<n>…`
    (bot/buttons.py `encode`), the fields of `args` (a frozen dataclass of ints, perhaps an
    int enum, and last perhaps a tuple of ints) in their declared order; a press hands `run`
    those arguments read back into an `args` (`read`)."""

    act: str
    args: type[A]
    run: Callable[[Context, A], Outcome]

    def id(self, value: A) -> str:
        return buttons.encode(self.act, value)

    def read(self, press: Press) -> A | None:
        """The arguments of a press of this button; None when it is not one we made (too few
        numbers, or one its field cannot hold). Any beyond the declared ones are ignored."""
        return buttons.read(press, self.act, self.args)


@dataclass(frozen=True, kw_only=True)
class Command:
    """A chat command. `key` names it in code and names its two templates."""

    key: str
    en: tuple[str, ...]  # its English name, then its aliases
    zh: tuple[str, ...]  # its Chinese name, then its aliases
    parse: Parser
    handles: Mapping[type[Intent], Handler]  # each intent its parser returns → its handler
    buttons: tuple[Action[Any], ...] = ()
    # how it is written in Chinese when that word is another command's name (/tasks is
    # /待办 with nothing after it, which /task reads as a listing)
    zh_written: str = ""

    def shown(self, locale: str) -> str:
        """Its name as /help writes it to a reader of `locale`."""
        if locale == "zh_CN":
            return self.zh_written or (self.zh[0] if self.zh else self.en[0])
        return self.en[0]
