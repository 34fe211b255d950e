"""/approvals (/审批列表): the pending quote and discount approvals within the asker's reach,
oldest first, each with its age in working hours. A rep sees their own requests and what waits
on them; a manager their team's; an admin everyone's (bot/reach.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot import approvals
from bot.commands.command import Command
from bot.context import Context
from bot.grammar.line import Line
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Outcome
from storage.models import Customer, Person
from storage.process import Approval

SHOWN = 50  # the oldest this many; the rest wait their turn on the list


@dataclass(frozen=True, kw_only=True)
class ApprovalsView(Intent):
    pass


def parse(line: Line, tokens: list[Token]) -> ApprovalsView:
    return ApprovalsView()


def listing(ctx: Context, intent: ApprovalsView) -> Outcome:
    reach = ctx.reach
    rows = ctx.session.execute(
        select(Approval, Customer)
        .join(Customer, Customer.id == Approval.customer_id)
        .where(
            Approval.tenant_id == ctx.tenant.id,
            Approval.status == "pending",
            approvals.within(reach),
        )
        .order_by(Approval.requested_at, Approval.id)
        .limit(SHOWN)
    ).all()
    cal = ctx.settings.calendar_for(ctx.tenant.timezone)
    items = [
        {
            "a": a,
            "customer": customer,
            "requester": ctx.session.get(Person, a.requester_id) if a.requester_id else None,
            "approver": ctx.session.get(Person, a.approver_id) if a.approver_id else None,
            "age": approvals.hours(
                approvals.working_seconds(cal, a.requested_at, ctx.now, ctx.tenant.timezone)
            ),
        }
        for a, customer in rows
    ]
    return Outcome().reply(ctx.t("approvals.listing", items=items), private=True)


COMMAND = Command(
    key="approvals",
    en=("approvals",),
    zh=("审批列表",),
    parse=parse,
    handles={ApprovalsView: listing},
)
