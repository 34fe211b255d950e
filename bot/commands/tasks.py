"""/tasks [@someone] (in Chinese /待办 with nothing after it): the open follow-up tasks, with
a Done button each; and the buttons every task card carries — Done, Snooze, Log — which
reminders put on their cards too (bot/jobs/reminders.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bot import deadlines
from bot import followup_cards as cards
from bot.buttons import Act
from bot.commands.command import Action, Command
from bot.context import Context, UserError
from bot.followup_cards import Shown, TaskButton
from bot.grammar.line import Line
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Button, Card, CardUpdate, Outcome
from bot.people import viewable
from storage.models import Customer, Person, Task


@dataclass(frozen=True, kw_only=True)
class TaskList(Intent):
    person: str | None  # @token


def parse(line: Line, tokens: list[Token]) -> TaskList:
    who = line.mentions(tokens)
    return TaskList(person=who[0] if who else None)


TASKS_SHOWN = 50


def list_tasks(ctx: Context, intent: TaskList) -> Outcome:
    person = viewable(ctx, intent.person) if intent.person else ctx.me
    query = (
        select(Task, Customer)
        .outerjoin(Customer, Customer.id == Task.customer_id)
        .where(Task.tenant_id == ctx.tenant.id, Task.owner_id == person.id, Task.status == "open")
        .where(ctx.reach.involved_sql(Task.owner_id))
    )
    rows = ctx.session.execute(
        query.order_by(Task.due_at.is_(None), Task.due_at, Task.id).limit(TASKS_SHOWN)
    ).all()
    total = len(rows)
    if total == TASKS_SHOWN:  # a list that stops says where (and how much is left)
        total = ctx.session.scalar(select(func.count()).select_from(query.subquery())) or total
    tasks = [
        {"task": t, "customer": c, "overdue": deadlines.overdue_for(ctx, t, person)}
        for t, c in rows
    ]
    text = ctx.t(
        "tasks.listing", person=person, tasks=tasks, mine=person.id == ctx.me.id, total=total
    )
    if not tasks:
        return Outcome().reply(text, private=True)
    buttons = tuple(
        Button(
            id=DONE.id(TaskButton(task_id=row["task"].id)),
            label=ctx.t("tasks.done_button", task=row["task"]),
        )
        for row in tasks[:5]
    )
    title, _, body = text.partition("\n")
    card = Card(
        key=f"tasks:{person.id}",
        title=title,
        body=body,
        buttons=buttons,
        fallback=text,
        tone="alert" if any(row["overdue"] for row in tasks) else "waiting",
    )
    return Outcome().reply(card=card, private=True)


def task_done(ctx: Context, press: TaskButton) -> Outcome:
    _lock_summary(ctx, press)
    task = own_task(ctx, press.task_id, lock=True)  # a second press waits, then finds it done
    if task.status == "done":
        return Outcome().reply(ctx.t("tasks.already_done", task=task), private=True)
    task.status, task.done_at = "done", ctx.now
    card = _card_after(ctx, press, task)
    if card is not None:  # the card it was pressed on says so, in place of a new message
        return Outcome(updates=[CardUpdate(card=card)])
    return Outcome().reply(ctx.t("tasks.marked_done", task=task, me=ctx.me))


def task_snooze(ctx: Context, press: TaskButton) -> Outcome:
    _lock_summary(ctx, press)
    task = own_task(ctx, press.task_id, lock=True)
    if task.status == "done":  # nothing left to snooze
        return Outcome().reply(ctx.t("tasks.already_done", task=task), private=True)
    cal = ctx.settings.calendar_for(ctx.tenant.timezone)  # the tenant's, not the config's zone
    task.snoozed_until = cal.working_days_after(ctx.now, 1, ctx.tz)
    card = _card_after(ctx, press, task)
    if card is not None:
        return Outcome(updates=[CardUpdate(card=card)])
    return Outcome().reply(ctx.t("tasks.snoozed", task=task), private=True)


def _lock_summary(ctx: Context, press: TaskButton) -> None:
    """A press on a summary draws every task on it: its tasks are locked first, in one order,
    so that two presses on one summary take turns and the later draws both (no deadlock)."""
    if press.shown is Shown.SUMMARY and press.task_id in press.listed:
        ids = sorted(set(press.listed))
        ctx.session.execute(
            select(Task.id)
            .where(Task.id.in_(ids), Task.tenant_id == ctx.tenant.id)
            .order_by(Task.id)
            .with_for_update(key_share=True)
        ).all()


def _card_after(ctx: Context, press: TaskButton, task: Task) -> Card | None:
    """The reminder or summary card `press` came from, drawn again as it stands now, in the
    presser's words (the card is in their own chat); None for a button on no such card (the
    /tasks list, and reminders sent before cards changed), which is answered with a message."""
    if press.shown is Shown.REMINDER:
        return cards.reminder(ctx.t, _row(ctx, task, pressed=True), now=ctx.now)
    if press.shown is not Shown.SUMMARY or task.id not in press.listed:
        return None
    rows = []
    for task_id in dict.fromkeys(press.listed):  # in the card's order, each once
        listed = task if task_id == task.id else _listed_task(ctx, task_id)
        if listed is not None:
            rows.append(_row(ctx, listed, pressed=listed is task))
    return cards.summary(ctx.t, task.owner_id, rows, now=ctx.now)


def _listed_task(ctx: Context, task_id: int) -> Task | None:
    try:
        return own_task(ctx, task_id)
    except UserError:  # gone since, or out of reach now: left off the card
        return None


def _row(ctx: Context, task: Task, *, pressed: bool) -> cards.Row:
    customer = ctx.session.get(Customer, task.customer_id) if task.customer_id else None
    owner = ctx.session.get(Person, task.owner_id) or ctx.me
    return cards.Row(
        task=task,
        customer=customer,
        overdue=deadlines.overdue_for(ctx, task, owner),
        by=ctx.me if pressed else None,
    )


def task_log(ctx: Context, press: TaskButton) -> Outcome:
    task = own_task(ctx, press.task_id)
    customer = ctx.session.get(Customer, task.customer_id) if task.customer_id else None
    return Outcome().reply(ctx.t("tasks.log_hint", task=task, customer=customer), private=True)


def own_task(ctx: Context, task_id: int, *, lock: bool = False) -> Task:
    """The task a button names; `lock`: its row locked until commit, so that presses on it
    take turns (on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers)."""
    task = ctx.row(Task, task_id, lock=lock)
    if task is None or not _sees_task(ctx, task):
        raise UserError("unknown_task", ref=task_id)
    return task


def _sees_task(ctx: Context, task: Task) -> bool:
    customer = ctx.session.get(Customer, task.customer_id) if task.customer_id else None
    if customer is None:
        return task.owner_id == ctx.me.id
    return ctx.reach.involved(customer, task.owner_id)


DONE = Action(act=Act.TASK_DONE, args=TaskButton, run=task_done)
SNOOZE = Action(act=Act.TASK_SNOOZE, args=TaskButton, run=task_snooze)
LOG = Action(act=Act.TASK_LOG, args=TaskButton, run=task_log)

COMMAND = Command(
    key="tasks",
    en=("tasks",),
    zh=(),
    zh_written="待办",
    parse=parse,
    handles={TaskList: list_tasks},
    buttons=(DONE, SNOOZE, LOG),
)
