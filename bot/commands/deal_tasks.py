"""What a won or lost deal leaves open: the customer's open tasks — the deal's own and those
tied to no deal — listed under the outcome with a Done for each, a "close all" and the line
that does it (`/task T5 done`), so that they stop reminding and leave the digest."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from bot.commands.command import Action
from bot.commands.tasks import DONE, own_task
from bot.context import Context, UserError
from bot.followup_cards import TaskButton
from bot.outcome import Button, Card, Outcome
from storage.models import Customer, Deal, Task

LISTED = 20  # tasks a card names (and "close all" closes); more are counted
DONE_BUTTONS = 10  # one Done each for the first of them


@dataclass(frozen=True, kw_only=True)
class CloseTasks:
    """`deal.done:<deal>:<task>:<task>…`: close every task the card listed."""

    deal_id: int
    task_ids: tuple[int, ...] = ()


def left_open(ctx: Context, deal: Deal, customer: Customer) -> Card | None:
    """The card offering to close what `deal`'s outcome leaves open; None when nothing is."""
    query = (
        select(Task)
        .where(Task.tenant_id == ctx.tenant.id, Task.customer_id == customer.id)
        .where(Task.status == "open", or_(Task.deal_id == deal.id, Task.deal_id.is_(None)))
        .order_by(Task.due_at.is_(None), Task.due_at, Task.id)
    )
    tasks = list(ctx.session.scalars(query.limit(LISTED + 1)))
    if not tasks:
        return None
    more = len(tasks) > LISTED
    tasks = tasks[:LISTED]
    said = {"deal": deal, "customer": customer, "tasks": tasks, "more": more}
    title = ctx.t("closing.open_tasks_title", **said)
    body = ctx.t("closing.open_tasks_body", **said)
    buttons = [
        Button(
            id=DONE.id(TaskButton(task_id=t.id)),
            label=ctx.t("tasks.done_button", task=t),
            style="primary",
        )
        for t in tasks[:DONE_BUTTONS]
    ]
    if len(tasks) > 1:
        every = CloseTasks(deal_id=deal.id, task_ids=tuple(t.id for t in tasks))
        buttons.append(
            Button(id=CLOSE_ALL.id(every), label=ctx.t("closing.close_all_button", n=len(tasks)))
        )
    return Card(
        key=f"deal-tasks:{deal.id}",
        title=title,
        body=body,
        buttons=tuple(buttons),
        fallback=f"{title}\n{body}",
        tone="waiting",
    )


def close_all(ctx: Context, press: CloseTasks) -> Outcome:
    """Every task the card listed that is still open and within the presser's reach, done."""
    closed, already = [], []
    for task_id in sorted(set(press.task_ids)):  # one order: two presses take turns
        try:
            task = own_task(ctx, task_id, lock=True)
        except UserError:  # gone since, or out of reach now
            continue
        if task.status == "done":
            already.append(task)
            continue
        task.status, task.done_at = "done", ctx.now
        closed.append(task)
    return Outcome().reply(ctx.t("closing.tasks_closed", closed=closed, already=already, me=ctx.me))


CLOSE_ALL = Action(act="deal.done", args=CloseTasks, run=close_all)
