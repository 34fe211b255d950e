"""Touches, follow-up tasks and customer questions."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from bot import deadlines
from bot import intents as i
from bot.buttons import Act, button_id
from bot.commands.rows import ago, default_due, new_task, new_touch, owners_day
from bot.context import Context, UserError
from bot.customers import find, pick_deal
from bot.outcome import Button, Card, Outcome
from bot.people import resolve_mention
from storage.models import Customer, Person, Question, Task


def log_touch(ctx: Context, intent: i.LogTouch) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True)
    deal, others = pick_deal(ctx, customer, intent.deal_ref)
    activity = new_touch(
        ctx, customer=customer, deal=deal, kind=intent.type, text=intent.text, tags=intent.tags
    )
    task, defaulted = None, False
    if intent.next_step:
        due, all_day = intent.due, intent.due_all_day
        if due is None:  # no date-like words at all (those are asked back by the grammar)
            due, all_day, defaulted = default_due(ctx), True, True
        task = new_task(
            ctx,
            customer=customer,
            deal=deal,
            text=intent.next_step,
            due=due,
            due_all_day=all_day,
            activity=activity,
        )
    text = ctx.t(
        "log.recorded",
        customer=customer,
        created=created,
        activity=activity,
        notes=intent.notes,
        task=task,
        defaulted=defaulted,
        deal=deal,
        others=others,
        me=ctx.me,
        ago=ago(ctx, task.due_at, task.due_all_day) if task else None,
    )
    return Outcome().reply(text)


def add_task(ctx: Context, intent: i.TaskAdd) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True)
    deal, _ = pick_deal(ctx, customer, None)
    task = new_task(
        ctx,
        customer=customer,
        deal=deal,
        text=intent.text,
        due=intent.due,
        due_all_day=intent.due_all_day,
    )
    past = ago(ctx, task.due_at, task.due_all_day)
    text = ctx.t("tasks.added", task=task, customer=customer, created=created, ago=past)
    return Outcome().reply(text)


def reschedule_task(ctx: Context, intent: i.TaskReschedule) -> Outcome:
    """`/task T5 Fri`: a new deadline, for whoever may press Done on it (else: unknown)."""
    task = _own_task(ctx, intent.task_id, lock=True)
    if task.status == "done":
        return Outcome().reply(ctx.t("tasks.already_done", task=task), private=True)
    before = {"due_at": task.due_at, "due_all_day": task.due_all_day}
    owner = ctx.session.get_one(Person, task.owner_id)
    task.due_at = owners_day(ctx, intent.due, intent.due_all_day, owner)
    task.due_all_day = intent.due_all_day
    task.snoozed_until = None  # the new deadline replaces any snooze
    task.last_reminded_at = None  # and is reminded afresh
    past = ago(ctx, task.due_at, task.due_all_day)
    return Outcome().reply(ctx.t("tasks.rescheduled", task=task, before=before, ago=past))


TASKS_SHOWN = 50


def list_tasks(ctx: Context, intent: i.TaskList) -> Outcome:
    person = ctx.me
    if intent.person:
        try:
            person = resolve_mention(ctx, intent.person)
        except UserError:
            raise UserError("not_allowed_view") from None  # the same as out of reach
    if not ctx.reach.person(person.id):
        raise UserError("not_allowed_view")
    query = (
        select(Task, Customer)
        .outerjoin(Customer, Customer.id == Task.customer_id)
        .where(Task.tenant_id == ctx.tenant.id, Task.owner_id == person.id, Task.status == "open")
        .where(or_(ctx.reach.owned(Customer.owner_id), Task.owner_id == ctx.me.id))
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
            id=button_id(Act.TASK_DONE, row["task"].id),
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
    )
    return Outcome().reply(card=card, private=True)


def task_done(ctx: Context, task_id: int) -> Outcome:
    task = _own_task(ctx, task_id, lock=True)  # a second press waits, then finds it done
    if task.status == "done":
        return Outcome().reply(ctx.t("tasks.already_done", task=task), private=True)
    task.status, task.done_at = "done", ctx.now
    return Outcome().reply(ctx.t("tasks.marked_done", task=task, me=ctx.me))


def task_snooze(ctx: Context, task_id: int) -> Outcome:
    task = _own_task(ctx, task_id, lock=True)
    if task.status == "done":  # nothing left to snooze
        return Outcome().reply(ctx.t("tasks.already_done", task=task), private=True)
    cal = ctx.settings.calendar
    task.snoozed_until = cal.working_days_after(ctx.now, 1, ctx.tz)
    return Outcome().reply(ctx.t("tasks.snoozed", task=task), private=True)


def task_log(ctx: Context, task_id: int) -> Outcome:
    task = _own_task(ctx, task_id)
    customer = ctx.session.get(Customer, task.customer_id) if task.customer_id else None
    return Outcome().reply(ctx.t("tasks.log_hint", task=task, customer=customer), private=True)


def _own_task(ctx: Context, task_id: int, *, lock: bool = False) -> Task:
    """The task a button names; `lock`: its row locked until commit, so that presses on it
    take turns (on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers)."""
    task = ctx.session.get(
        Task,
        task_id,
        with_for_update={"key_share": True} if lock else None,
        populate_existing=lock,
    )
    if task is None or task.tenant_id != ctx.tenant.id or not _sees_task(ctx, task):
        raise UserError("unknown_task", ref=task_id)
    return task


def _sees_task(ctx: Context, task: Task) -> bool:
    customer = ctx.session.get(Customer, task.customer_id) if task.customer_id else None
    if customer is None:
        return task.owner_id == ctx.me.id
    return ctx.reach.involved(customer, task.owner_id)


def add_question(ctx: Context, intent: i.QuestionAdd) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True)
    question = Question(
        tenant_id=ctx.tenant.id,
        customer_id=customer.id,
        owner_id=customer.owner_id or ctx.me.id,
        text=intent.text,
        asked_by=ctx.me.display_name,
        asked_at=ctx.now,
        channel_platform=ctx.event.platform,
        channel_id=ctx.event.channel_id,
        thread_id=ctx.event.thread_id,
    )
    ctx.session.add(question)
    ctx.session.flush()
    owner = ctx.session.get_one(Person, question.owner_id)
    out = Outcome().reply(
        ctx.t(
            "questions.opened", question=question, customer=customer, created=created, owner=owner
        )
    )
    if owner.id != ctx.me.id:
        out.push(
            owner.id,
            ctx.t_for(owner, "questions.assigned", question=question, customer=customer, by=ctx.me),
        )
    return out


def answered(ctx: Context, intent: i.Answered) -> Outcome:
    question = ctx.session.get(Question, intent.question_id)
    if question is None or question.tenant_id != ctx.tenant.id:
        raise UserError("unknown_question", ref=intent.question_id)
    customer = ctx.session.get_one(Customer, question.customer_id)
    if not ctx.reach.involved(customer, question.owner_id):
        raise UserError("unknown_question", ref=intent.question_id)
    if question.status == "answered":
        return Outcome().reply(ctx.t("questions.already", question=question), private=True)
    question.status, question.answered_at, question.answered_by_id = "answered", ctx.now, ctx.me.id
    return Outcome().reply(ctx.t("questions.closed", question=question, customer=customer))
