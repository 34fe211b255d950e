"""/handover <customer> @from @to (/交接): a customer changes owner with its open deals, its
open tasks and its full history; the new owner gets that history."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot import audit
from bot.commands.command import Command
from bot.context import Context, UserError
from bot.customers import find
from bot.grammar.line import Fail, Line
from bot.intents import CustomerRef, Intent
from bot.lexer import Token
from bot.outcome import Outcome
from bot.people import resolve_mention
from storage.models import Activity, Deal, Person, Task


@dataclass(frozen=True, kw_only=True)
class Handover(Intent):
    customer: CustomerRef
    from_person: str
    to_person: str


def parse(line: Line, tokens: list[Token]) -> Handover:
    customer, rest = line.customer(tokens)
    people = line.mentions(rest)
    if len(people) != 2 or len(rest) != 2:
        raise Fail("bad_handover", "handover", text=line.words(rest))
    return Handover(customer=customer, from_person=people[0], to_person=people[1])


def handover(ctx: Context, intent: Handover) -> Outcome:
    customer, _ = find(ctx, intent.customer, create=False)
    src, dst = resolve_mention(ctx, intent.from_person), resolve_mention(ctx, intent.to_person)
    allowed = ctx.me.role == "admin" or (
        ctx.me.role == "manager" and ctx.reach.person(src.id) and ctx.reach.person(dst.id)
    )
    if not allowed and ctx.me.id != src.id:
        raise UserError("managers_only")
    if customer.owner_id != src.id:
        raise UserError("not_owner", customer=customer.name, person=src.display_name)
    customer.owner_id = dst.id
    deals = list(
        ctx.session.scalars(
            select(Deal).where(
                Deal.customer_id == customer.id, Deal.status == "open", Deal.owner_id == src.id
            )
        )
    )
    for deal in deals:
        deal.owner_id = dst.id
    tasks = list(
        ctx.session.scalars(
            select(Task).where(
                Task.customer_id == customer.id, Task.status == "open", Task.owner_id == src.id
            )
        )
    )
    for task in tasks:
        task.owner_id = dst.id
    audit.record(
        ctx,
        "customer.handover",
        f"customer:{customer.id}",
        customer_id=customer.id,
        before={"owner_id": src.id},
        after={"owner_id": dst.id},
        deals=[d.id for d in deals],
        tasks=[t.id for t in tasks],
    )
    history = ctx.session.execute(
        select(Activity, Person)
        .outerjoin(Person, Person.id == Activity.author_id)
        .where(Activity.customer_id == customer.id)
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(10)
    ).all()
    params = {"customer": customer, "src": src, "dst": dst, "deals": deals, "tasks": tasks}
    out = Outcome().reply(ctx.t("admin.handed_over", **params))
    if dst.id != ctx.me.id:
        out.push(
            dst.id,
            ctx.t_for(
                dst,
                "admin.handover_summary",
                history=history,
                by=ctx.me,
                **params,
            ),
        )
    if src.id != ctx.me.id:
        out.push(
            src.id,
            ctx.t_for(
                src,
                "admin.handover_notice",
                by=ctx.me,
                **params,
            ),
        )
    return out


COMMAND = Command(
    key="handover",
    en=("handover",),
    zh=("交接",),
    parse=parse,
    handles={Handover: handover},
)
