"""Button ids: the one encoder and decoder. A button id is `<action>:<n>:<n>…`, short enough
for every platform's button value, and read back into a `Press` when the button is pressed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Act(StrEnum):
    REQ_CONFIRM = "req.confirm"
    REQ_CHANGE = "req.change"
    TASK_DONE = "task.done"
    TASK_SNOOZE = "task.snooze"
    TASK_LOG = "task.log"


@dataclass(frozen=True)
class Press:
    act: Act
    args: tuple[int, ...]


_SHAPE = re.compile(r"[a-z.]+(?::\d{1,18})*")


def button_id(act: Act, *args: int) -> str:
    return ":".join([act.value, *(str(int(a)) for a in args)])


def decode(value: str) -> Press | None:
    """The press a button id stands for; None for anything we never made."""
    if not _SHAPE.fullmatch(value or ""):
        return None
    name, *args = value.split(":")
    try:
        act = Act(name)
    except ValueError:
        return None
    return Press(act=act, args=tuple(int(a) for a in args))
