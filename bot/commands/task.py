"""/task <customer> <text> <when> (/待办): a follow-up task; /task T5 <when> moves one; with
nothing after it, /task lists them as /tasks does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.commands.command import Command
from bot.commands.rows import ago, day_off, default_due, new_task, owners_day
from bot.commands.tasks import TaskList, own_task, task_done
from bot.context import Context
from bot.covering import covering, told
from bot.customers import find, pick_deal
from bot.followup_cards import TaskButton
from bot.grammar.line import Fail, Line
from bot.grammar.steps import asap, dates, deadline, due, unread
from bot.intents import CustomerRef, Intent
from bot.lexer import Token, is_ref, ref_id
from bot.outcome import Outcome
from bot.parse.dates import read_when
from bot.parse.normalize import ascii_lower, normalize
from bot.parse.spans import find_deadline, find_leading, find_trailing
from bot.people import resolve_mention
from storage.models import Person


@dataclass(frozen=True, kw_only=True)
class TaskAdd(Intent):
    customer: CustomerRef
    text: str
    due: datetime | None  # None: 尽快 / ASAP, the next working day (said as a guess)
    due_all_day: bool = False  # no time written: `due` is that day's 00:00
    asap: bool = False
    owner: str | None = None  # @token written first or last; None: the writer


@dataclass(frozen=True, kw_only=True)
class TaskReschedule(Intent):
    """`/task T5 Fri`, `/待办 T5 周五`: move a task's deadline."""

    task_id: int
    due: datetime
    due_all_day: bool = False


def parse(line: Line, tokens: list[Token]) -> Intent:
    if not tokens or (len(tokens) == 1 and tokens[0].mention):
        return TaskList(person=tokens[0].mention if tokens else None)
    if is_ref(tokens[0].text, "task") and not line.ctx.is_customer(tokens[0].text):
        return _reschedule(line, tokens)
    customer, rest = line.customer(tokens)
    owner, rest = _owner(rest)
    text = line.words(rest)
    what, when = deadline(line, text) if text else ("", None)
    if when is None and (soon := asap(what))[1]:
        if not soon[0]:
            raise Fail("missing_text", "task")
        return TaskAdd(customer=customer, text=soon[0], due=None, asap=True, owner=owner)
    if when is None:
        if text and dates(line, read_when, text):
            raise Fail("missing_text", "task")  # only a date: what is to be done?
        unread(line, text)
        raise Fail("missing_when", "task", text=text)
    if not what:
        raise Fail("missing_text", "task")
    return TaskAdd(customer=customer, text=what, owner=owner, **due(when))


def _owner(rest: list[Token]) -> tuple[str | None, list[Token]]:
    """`/待办 华为 @小张 复盘 明天`, `/task Acme review tomorrow 3pm @bob`: a mention first or
    last is whose task it is; one inside the words stays part of them."""
    if rest and rest[-1].mention:
        return rest[-1].mention, rest[:-1]
    if rest and rest[0].mention:
        return rest[0].mention, rest[1:]
    return None, rest


# "/task T5 to Fri", "/待办 T5 改到周五": the words that may come before the new date
_MOVE = re.compile(
    r"(?:to\s+|(?:改到|改为|改成|推迟到|推到|延到|延期到|延后到|挪到|调到|调整到|提前到|到)\s*)"
)


@dataclass(frozen=True, kw_only=True)
class TaskDoneLine(Intent):
    """`/task T5 done`, `/待办 T5 完成`: what the Done button does, written."""

    task_id: int


# the words that close a task, written after its id
_DONE_EN = ("done", "finished", "complete", "completed", "close", "closed")
_DONE_ZH = ("完成", "已完成", "搞定", "已搞定", "关闭", "结束", "完成了", "做完了")
DONE_WORDS = frozenset(_DONE_EN + _DONE_ZH)


def _reschedule(line: Line, tokens: list[Token]) -> Intent:
    """`/task T5 Fri`, `/待办 T5 周五前`: the task's new deadline, and nothing else; `/task T5
    done`: the task is done."""
    task_id = ref_id(tokens[0].text, "task")
    assert task_id is not None
    text = line.from_(tokens[1:])
    if ascii_lower(normalize(text)).strip() in DONE_WORDS:
        return TaskDoneLine(task_id=task_id)
    if m := _MOVE.match(ascii_lower(normalize(text))):
        text = text[m.end() :]
    when = dates(line, read_when, text) if text else None
    if when is None and text:
        hit = dates(line, find_deadline, text)
        if hit and not hit[0]:
            when = hit[1]
        elif hit or dates(line, find_trailing, text) or dates(line, find_leading, text):
            raise Fail("bad_reschedule", "task", text=text)
    if when is None:
        unread(line, text)
        raise Fail("missing_when", "task", text=text)
    return TaskReschedule(task_id=task_id, due=when.at, due_all_day=when.all_day)


def add_task(ctx: Context, intent: TaskAdd) -> Outcome:
    owner = resolve_mention(ctx, intent.owner) if intent.owner else ctx.me
    customer, created = find(ctx, intent.customer, create=True, cover=True)
    deal, _ = pick_deal(ctx, customer, None)
    task = new_task(
        ctx,
        customer=customer,
        deal=deal,
        text=intent.text,
        due=intent.due or default_due(ctx),
        due_all_day=intent.due_all_day or intent.due is None,
        owner=owner,
    )
    past = ago(ctx, task.due_at, task.due_all_day)
    off = day_off(ctx, task.due_at, task.due_all_day)
    text = ctx.t(
        "tasks.added",
        task=task,
        customer=customer,
        created=created,
        ago=past,
        asap=intent.asap,
        off=off,
        owner=owner if owner.id != ctx.me.id else None,
    )
    assigned = Outcome()
    if owner.id != ctx.me.id:
        words = ctx.t_for(
            owner,
            "tasks.assigned",
            task=task,
            customer=customer,
            by=ctx.me,
        )
        assigned.push(owner.id, words)
    if cover := covering(ctx, customer):
        return told(
            ctx,
            text,
            cover,
            customer,
            kind="task",
            subject=f"task:{task.id}",
            text=task.text,
            push=cover.id != owner.id,  # the owner given the task hears of it once
            task=task,
        ).extend(assigned)
    return Outcome().reply(text).extend(assigned)


def reschedule_task(ctx: Context, intent: TaskReschedule) -> Outcome:
    """`/task T5 Fri`: a new deadline, for whoever may press Done on it (else: unknown)."""
    task = own_task(ctx, intent.task_id, lock=True)
    if task.status == "done":
        return Outcome().reply(ctx.t("tasks.already_done", task=task), private=True)
    before = {"due_at": task.due_at, "due_all_day": task.due_all_day}
    owner = ctx.session.get_one(Person, task.owner_id)
    task.due_at = owners_day(ctx, intent.due, intent.due_all_day, owner)
    task.due_all_day = intent.due_all_day
    task.snoozed_until = None  # the new deadline replaces any snooze
    task.last_reminded_at = None  # and is reminded afresh
    past, off = ago(ctx, task.due_at, task.due_all_day), day_off(ctx, task.due_at, task.due_all_day)
    return Outcome().reply(ctx.t("tasks.rescheduled", task=task, before=before, ago=past, off=off))


def done_task(ctx: Context, intent: TaskDoneLine) -> Outcome:
    """`/task T5 done`: as a press of its Done on the /tasks list."""
    return task_done(ctx, TaskButton(task_id=intent.task_id))


COMMAND = Command(
    key="task",
    en=("task",),
    zh=("待办",),
    parse=parse,
    handles={TaskAdd: add_task, TaskReschedule: reschedule_task, TaskDoneLine: done_task},
)
