"""The commands dealbot understands, one module each: this list is where a command is
registered, and its order is the order of /help and of the slash-command manifest.

Everything that looks a command up is read from the list, in this module: the names the
lexer knows (`NAMES`), the grammar's dispatch (`BY_KEY`), the handler's (`HANDLERS`) and its
buttons' (`ACTIONS`). Adding a command: README, "Adding a command"."""

from __future__ import annotations

from typing import Any

from bot.commands import (
    answered,
    approval,
    approvals_view,
    check,
    contact,
    customer,
    deal,
    digest_view,
    export_file,
    forecast,
    handover,
    help,
    import_sheet,
    link,
    log,
    meeting,
    milestone,
    minutes,
    paid,
    payment,
    pipeline_view,
    progress,
    question,
    receivables,
    req,
    review_view,
    role,
    target,
    task,
    tasks,
    team,
)
from bot.commands.command import Action, Command, Handler
from bot.grammar.line import Fail, Line, ParseContext
from bot.intents import Intent, ParseError
from bot.lexer import split_command, tokenize
from bot.parse.normalize import normalize

COMMANDS: tuple[Command, ...] = (
    log.COMMAND,
    deal.COMMAND,
    task.COMMAND,
    tasks.COMMAND,
    meeting.COMMAND,
    minutes.COMMAND,
    question.COMMAND,
    answered.COMMAND,
    req.COMMAND,
    approval.COMMAND,
    approvals_view.COMMAND,
    check.COMMAND,
    milestone.COMMAND,
    payment.COMMAND,
    paid.COMMAND,
    receivables.COMMAND,
    pipeline_view.COMMAND,
    digest_view.COMMAND,
    progress.COMMAND,
    review_view.COMMAND,
    forecast.COMMAND,
    target.COMMAND,
    handover.COMMAND,
    customer.COMMAND,
    contact.COMMAND,
    import_sheet.COMMAND,
    export_file.COMMAND,
    help.command(listing=lambda: COMMANDS),
    role.COMMAND,
    team.COMMAND,
    link.COMMAND,
)

# a file sent with no command in its words (a spreadsheet dropped into a chat with the bot:
# some platforms send a file with no text at all) asks for this
UPLOADED: Intent = import_sheet.ImportAsked()

NAMES: dict[str, str] = {}  # every name and alias, casefolded → its command's key
BY_KEY: dict[str, Command] = {}
HANDLERS: dict[type, Handler] = {}  # an intent's type → what handles it
ACTIONS: dict[str, Action[Any]] = {}  # a button's action → its declaration


def _add(table: dict[Any, Any], key: Any, value: Any, command: Command) -> None:
    if key in table:
        raise ValueError(f"/{command.key} declares {key!r}, which another command declared")
    table[key] = value


for _c in COMMANDS:
    _add(BY_KEY, _c.key, _c, _c)
    for _name in _c.en + _c.zh:
        _add(NAMES, _name.casefold(), _c.key, _c)
    for _intent, _handler in _c.handles.items():
        _add(HANDLERS, _intent, _handler, _c)
    for _action in _c.buttons:
        _add(ACTIONS, _action.act, _action, _c)


def parse(text: str, ctx: ParseContext) -> Intent | ParseError:
    """Chat text → the intent it asks for, or what was wrong with it; en and zh alike. Pure:
    no store, no clock but `ctx`'s."""
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
