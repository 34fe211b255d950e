"""Button ids: the one encoder and decoder. A button id is `<action>:<n>:<n>…`, short enough
for every platform's button value, and read back into a `Press` when the button is pressed.
Which actions exist, and the typed arguments each one reads, is declared by the commands
(bot/commands/command.py `Action`); cards already sitting in chats keep working as long as
an action keeps its name and the order of its arguments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Act(StrEnum):
    """The actions of the buttons the scheduler's cards carry too (bot/jobs/reminders.py)."""

    REQ_CONFIRM = "req.confirm"
    REQ_CHANGE = "req.change"
    TASK_DONE = "task.done"
    TASK_SNOOZE = "task.snooze"
    TASK_LOG = "task.log"


@dataclass(frozen=True)
class Press:
    act: str
    args: tuple[int, ...]


_SHAPE = re.compile(r"[a-z.]+(?::\d{1,18})*")


def button_id(act: str, *args: int) -> str:
    return ":".join([str(act), *(str(int(a)) for a in args)])


def decode(value: str) -> Press | None:
    """The press a button id stands for; None for anything not shaped like one we make (an
    action no command declares is refused where actions are looked up, bot/handler.py)."""
    if not _SHAPE.fullmatch(value or ""):
        return None
    name, *args = value.split(":")
    return Press(act=name, args=tuple(int(a) for a in args))
