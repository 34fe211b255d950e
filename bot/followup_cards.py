"""The follow-up cards: one task's reminder (`task:<id>`) and the morning's summary of several
(`followups:<owner>`), each built the same way when the scheduler sends it
(bot/jobs/reminders.py) and when a press of its Done or Snooze shows the outcome on the card
itself (bot/commands/tasks.py): a task done loses its Done and Snooze, one snoozed its Snooze.

Their buttons say which card they are on (`TaskButton.shown`), and a summary's buttons name
every task it lists, so that a press can draw that card again without remembering it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from bot.buttons import Act, encode
from bot.outcome import Button, Card
from storage.models import Customer, Person, Task

# tasks with their own Done / Snooze in a summary: 24 buttons, within what the richest card
# formats show (25); a text-only platform lists every task in the card's text
SUMMARY_BUTTONS = 12
# the longest id a summary's button may have with its list: within every platform's button
# value (the smallest, 1024 bytes) with room, and 24 of them well within a card's size; a
# longer list is left out, and its presses are answered with a message as the /tasks list's are
MAX_ID = 400

Say = Callable[..., str]  # words for the card's reader: (key, **params) -> text


class Shown(IntEnum):
    """Which card a task's button is on, so that a press can show what it did there."""

    LIST = 0  # the /tasks list, and every reminder sent before cards changed: a new message
    REMINDER = 1  # one task's reminder card
    SUMMARY = 2  # a summary card; `listed` names its tasks in order


@dataclass(frozen=True, kw_only=True)
class TaskButton:
    """What a task's buttons carry: `task.done:5` (the /tasks list), `task.done:5:1` (its
    reminder card), `task.done:5:2:5:7:9` (on a summary of T5, T7 and T9)."""

    task_id: int
    shown: Shown = Shown.LIST
    listed: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Row:
    task: Task
    customer: Customer | None
    overdue: bool
    by: Person | None = None  # who pressed Done or Snooze just now, on this card


def state(task: Task, now: datetime) -> str:
    """done | snoozed | open, as a card shows it at `now`."""
    if task.status == "done":
        return "done"
    if task.snoozed_until is not None and task.snoozed_until > now:
        return "snoozed"
    return "open"


def reminder(say: Say, row: Row, *, now: datetime) -> Card:
    """One task's reminder: Done, Snooze and Log while open; Done and Log once snoozed; Log
    once done (after a call one often logs it, and a card keeps a button to press)."""
    task, customer = row.task, row.customer
    shown = state(task, now)
    said = {"task": task, "overdue": row.overdue, "state": shown}
    body = say("jobs.followup_body", customer=customer, by=row.by, **said)
    press = TaskButton(task_id=task.id, shown=Shown.REMINDER)
    buttons = []
    if shown != "done":
        buttons.append(
            Button(id=encode(Act.TASK_DONE, press), label=say("jobs.done_button"), style="primary")
        )
    if shown == "open":
        buttons.append(Button(id=encode(Act.TASK_SNOOZE, press), label=say("jobs.snooze_button")))
    buttons.append(Button(id=encode(Act.TASK_LOG, press), label=say("jobs.log_button")))
    return Card(
        key=f"task:{task.id}",
        title=say("jobs.followup_title", **said),
        body=body,
        buttons=tuple(buttons),
        fallback=body,
        tone="done" if shown == "done" else "alert" if row.overdue else "waiting",
    )


def summary(say: Say, owner_id: int, rows: Sequence[Row], *, now: datetime) -> Card:
    """The start of the day's list: every task, and a Done and a Snooze button for each of
    the first SUMMARY_BUTTONS still open (Done alone once snoozed; none once done)."""
    states = [state(r.task, now) for r in rows]
    items = [
        {"task": r.task, "customer": r.customer, "overdue": r.overdue, "state": s, "by": r.by}
        for r, s in zip(rows, states, strict=True)
    ]
    title = say(
        "jobs.followups_title",
        count=len(rows),
        overdue=sum(r.overdue for r, s in zip(rows, states, strict=True) if s != "done"),
        done=states.count("done"),
    )
    body = say("jobs.followups_body", items=items, buttons=SUMMARY_BUTTONS)
    listed = tuple(r.task.id for r in rows)
    longest = TaskButton(task_id=max(listed, default=0), shown=Shown.SUMMARY, listed=listed)
    fits = len(encode(Act.TASK_SNOOZE, longest)) <= MAX_ID
    buttons: list[Button] = []
    waiting = [(r, s) for r, s in zip(rows, states, strict=True) if s != "done"]
    for r, s in waiting[:SUMMARY_BUTTONS]:
        press = TaskButton(task_id=r.task.id)
        if fits:
            press = TaskButton(task_id=r.task.id, shown=Shown.SUMMARY, listed=listed)
        buttons.append(
            Button(
                id=encode(Act.TASK_DONE, press),
                label=say("jobs.done_task_button", task=r.task),
                style="primary",
            )
        )
        if s == "open":
            buttons.append(
                Button(
                    id=encode(Act.TASK_SNOOZE, press),
                    label=say("jobs.snooze_task_button", task=r.task),
                )
            )
    overdue = any(r.overdue for r, s in zip(rows, states, strict=True) if s != "done")
    return Card(
        key=f"followups:{owner_id}",
        title=title,
        body=body,
        buttons=tuple(buttons),
        fallback=f"{title}\n{body}",
        tone="done" if not waiting else "alert" if overdue else "waiting",
    )
