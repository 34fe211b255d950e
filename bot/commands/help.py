"""/help [command] (/帮助 [命令]): the commands, in the order of their list, each with the help
line of its own template; or one command with its examples."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.commands.command import Command
from bot.context import Context
from bot.grammar.line import Line
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Outcome


@dataclass(frozen=True, kw_only=True)
class Help(Intent):
    topic: str | None  # a command's key


def parse(line: Line, tokens: list[Token]) -> Help:
    topic = line.names.get(tokens[0].text.lstrip("/").casefold()) if tokens else None
    return Help(topic=topic)


def command(*, listing: Callable[[], Sequence[Command]]) -> Command:
    """/help's declaration. It is the one command that reads the list it is in, so the list
    hands itself over (bot/commands/__init__.py) instead of being imported from here."""

    def show_help(ctx: Context, intent: Help) -> Outcome:
        commands = listing()
        topic = next((c for c in commands if c.key == intent.topic), None)
        text = ctx.t("help.text", topic=topic, commands=commands)
        return Outcome().reply(text, private=True)

    return Command(key="help", en=("help",), zh=("帮助",), parse=parse, handles={Help: show_help})
