"""Chat text → Intent or ParseError, English and Chinese alike. Pure: no store, no clock."""

from __future__ import annotations

from bot import intents as i
from bot.grammar import records, setup
from bot.grammar.line import Fail, Line, ParseContext
from bot.lexer import split_command, tokenize
from bot.parse.normalize import normalize

__all__ = ["ParseContext", "parse"]

_PARSERS = {**records.PARSERS, **setup.PARSERS}


def parse(text: str, ctx: ParseContext) -> i.Intent | i.ParseError:
    norm = normalize(text)
    command, word, start = split_command(norm)
    if command is None:
        if not word:
            return i.ParseError(code="empty")
        if word.startswith("/"):
            return i.ParseError(code="unknown_command", params=(("word", word),))
        return i.ParseError(code="not_a_command")
    line = Line(text, command, ctx)
    tokens = tokenize(norm, start)
    try:
        return _PARSERS[command](line, tokens)
    except Fail as fail:
        return fail.error
