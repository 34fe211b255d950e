"""Chat text → Intent or ParseError, English and Chinese alike. Pure: no store, no clock.

The command word picks a command of the list in bot/commands/__init__.py, whose parser reads
the rest; the shared pieces those parsers are written with live here (line.py, steps.py,
period_words.py)."""

from __future__ import annotations

from bot.grammar.line import Fail, Line, ParseContext
from bot.intents import Intent, ParseError
from bot.lexer import split_command, tokenize
from bot.parse.normalize import normalize

__all__ = ["ParseContext", "parse"]


def parse(text: str, ctx: ParseContext) -> Intent | ParseError:
    # the list of commands sits above the grammar its parsers are written with: read it when
    # a line is parsed, not when this package is imported (each command imports line.py)
    from bot.commands import BY_KEY, NAMES

    norm = normalize(text)
    command, word, start = split_command(norm, NAMES)
    if command is None:
        if not word:
            return ParseError(code="empty")
        if word.startswith("/"):
            return ParseError(code="unknown_command", params=(("word", word),))
        return ParseError(code="not_a_command")
    line = Line(text, command, ctx, NAMES)
    tokens = tokenize(norm, start)
    try:
        return BY_KEY[command].parse(line, tokens)
    except Fail as fail:
        return fail.error
