"""The list of commands (bot/commands/): each declared once, with its two templates, its
buttons typed and their ids on the wire unchanged."""

from __future__ import annotations

import pytest

from bot.buttons import Act, button_id, decode
from bot.commands import ACTIONS, BY_KEY, COMMANDS, NAMES
from bot.commands.req import CONFIRM, ReqButton
from bot.commands.tasks import DONE, TaskButton
from bot.i18n import MESSAGES, Words


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.key)
def test_a_command_says_what_it_does_in_both_languages(command) -> None:  # type: ignore[no-untyped-def]
    words = Words()
    for locale in ("en", "zh_CN"):
        assert (MESSAGES / locale / f"{command.key}.j2").exists()
        assert words(locale, f"{command.key}.what")
        assert words(locale, f"{command.key}.example").startswith("/")
        assert words(locale, f"{command.key}.summary")


def test_names_read_the_same_as_before() -> None:
    assert NAMES["已答复"] == "answered" and NAMES["跟进"] == "log"
    assert NAMES["待办"] == "task"  # /待办 alone lists tasks: /tasks has no Chinese name
    assert BY_KEY["tasks"].shown("zh_CN") == "待办" and BY_KEY["tasks"].shown("en") == "tasks"
    assert all(name == name.casefold() for name in NAMES)


def test_every_button_the_scheduler_makes_is_declared() -> None:
    assert set(Act) <= set(ACTIONS)


def test_button_ids_keep_their_wire_format() -> None:
    assert DONE.id(TaskButton(task_id=5)) == "task.done:5" == button_id(Act.TASK_DONE, 5)
    confirm = ReqButton(requirement_id=3, version=2)
    assert CONFIRM.id(confirm) == "req.confirm:3:2"
    press = decode("req.confirm:3:2")
    assert press is not None and CONFIRM.read(press) == confirm
    assert ACTIONS["task.snooze"].read(decode("task.snooze:7:9")) == TaskButton(task_id=7)  # type: ignore[arg-type]
    assert ACTIONS["req.change"].read(decode("req.change:3")) is None  # type: ignore[arg-type]
    assert decode("task.done:x") is None and decode("task.done:5:") is None
    assert "nope" not in ACTIONS  # a well-shaped id no command declares: refused by the handler
