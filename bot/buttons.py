"""Button ids: the one encoder and decoder. A button id is `<action>:<n>:<n>…`, short enough
for every platform's button value, and read back into a `Press` when the button is pressed,
then into the typed arguments its action declares (`encode` and `read`, for
bot/commands/command.py `Action`). Cards already sitting in chats keep working as long as an
action keeps its name and the order of its arguments; an argument added later has a default,
and an id that leaves it out reads as it did before it was added."""

from __future__ import annotations

import re
import typing
from dataclasses import MISSING, dataclass, fields
from enum import StrEnum
from typing import Any, TypeVar

A = TypeVar("A")


class Act(StrEnum):
    """The actions of the buttons the scheduler's cards carry too (bot/jobs/reminders.py)."""

    REQ_CONFIRM = "req.confirm"
    REQ_CHANGE = "req.change"
    TASK_DONE = "task.done"
    TASK_SNOOZE = "task.snooze"
    TASK_LOG = "task.log"
    APPROVAL_APPROVE = "approval.approve"
    APPROVAL_REJECT = "approval.reject"
    APPROVAL_ASK = "approval.ask"
    QUIET_LOG = "quiet.log"  # the Monday list of quiet customers (bot/quiet.py)
    QUIET_SNOOZE = "quiet.snooze"


@dataclass(frozen=True)
class Press:
    act: str
    args: tuple[int, ...]


_SHAPE = re.compile(r"[a-z.]+(?::\d{1,18})*")


def button_id(act: str, *args: int) -> str:
    return ":".join([str(act), *(str(int(a)) for a in args)])


def encode(act: str, value: Any) -> str:
    """The id of a button whose arguments are `value`, a frozen dataclass of ints (an int
    enum counts as one) and, last, at most one tuple of ints that takes every number left.
    Fields at the end still at their defaults are left out, so an id made before they
    existed and one made now without them are the same."""
    numbers: list[list[int]] = []
    for f in fields(value):
        v = getattr(value, f.name)
        numbers.append([int(n) for n in v] if isinstance(v, tuple) else [int(v)])
    kept = len(numbers)
    for f in reversed(fields(value)):
        if f.default is MISSING or getattr(value, f.name) != f.default:
            break
        kept -= 1
    return button_id(act, *(n for part in numbers[:kept] for n in part))


def read(press: Press, act: str, args: type[A]) -> A | None:
    """`press` read back into an `args` (the inverse of `encode`); None when it is another
    action's, or a field without a default is missing or cannot hold its number. A number a
    field with a default cannot hold (an enum value only a later version makes) leaves that
    default; numbers beyond the fields are ignored."""
    if press.act != act:
        return None
    hints = typing.get_type_hints(args)
    given: dict[str, Any] = {}
    rest = list(press.args)
    for f in fields(args):  # type: ignore[arg-type]
        kind = hints[f.name]
        if typing.get_origin(kind) is tuple:
            given[f.name], rest = tuple(rest), []
        elif rest:
            try:
                given[f.name] = kind(rest.pop(0))
            except ValueError:  # say an enum value a later version made: as if not given
                if f.default is MISSING:
                    return None
        elif f.default is MISSING:
            return None
    return args(**given)


def decode(value: str) -> Press | None:
    """The press a button id stands for; None for anything not shaped like one we make (an
    action no command declares is refused where actions are looked up, bot/handler.py)."""
    if not _SHAPE.fullmatch(value or ""):
        return None
    name, *args = value.split(":")
    return Press(act=name, args=tuple(int(a) for a in args))
