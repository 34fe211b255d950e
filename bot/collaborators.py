"""A customer's collaborators: colleagues who read and write it as its owner does, without
owning it (bot/reach.py). `/customer Acme add @bob` · `/customer Acme remove @bob` ·
`/客户 华为 协作人 @小张` · `/客户 华为 移除协作人 @小张`.

Only the owner, a manager who reaches the owner, or an admin adds or removes one; every change
is audited (customer.collaborator_add / customer.collaborator_remove) and the colleague is told.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot import audit
from bot.context import Context, UserError
from bot.customers import find
from bot.intents import CustomerRef, Intent
from bot.outcome import Outcome
from bot.people import resolve_mention
from storage.models import Collaborator, Customer, Person

ADD = ("add", "协作人", "添加协作人", "加协作人", "增加协作人")
REMOVE = ("remove", "移除协作人", "删除协作人", "去掉协作人", "移除")


@dataclass(frozen=True, kw_only=True)
class CollaboratorChange(Intent):
    customer: CustomerRef
    people: tuple[str, ...]
    remove: bool = False


def of_customer(ctx: Context, customer: Customer) -> list[Person]:
    """The customer's collaborators, by name."""
    return list(
        ctx.session.scalars(
            select(Person)
            .join(Collaborator, Collaborator.person_id == Person.id)
            .where(Collaborator.customer_id == customer.id)
            .order_by(Person.display_name, Person.id)
        )
    )


def may_change(ctx: Context, customer: Customer) -> bool:
    """The owner, a manager reaching the owner (not merely the customer), or an admin."""
    me = ctx.me
    if me.role == "admin" or customer.owner_id == me.id:
        return True
    return me.role == "manager" and ctx.reach.person(customer.owner_id)


def change(ctx: Context, intent: CollaboratorChange) -> Outcome:
    customer, _ = find(ctx, intent.customer, create=False)
    if not may_change(ctx, customer):
        owner = ctx.session.get(Person, customer.owner_id) if customer.owner_id else None
        raise UserError("collaborators_who_can", customer=customer.name, owner=owner)
    people = [resolve_mention(ctx, m) for m in intent.people]
    done: list[Person] = []
    unchanged: list[Person] = []
    out = Outcome()
    for person in dict.fromkeys(people):  # each once, in the order named
        row = ctx.session.scalar(
            select(Collaborator).where(
                Collaborator.customer_id == customer.id, Collaborator.person_id == person.id
            )
        )
        if person.id == customer.owner_id or (row is not None) != intent.remove:
            unchanged.append(person)
            continue
        if intent.remove:
            ctx.session.delete(row)
        else:
            ctx.session.add(
                Collaborator(
                    tenant_id=ctx.tenant.id,
                    customer_id=customer.id,
                    person_id=person.id,
                    added_by_id=ctx.me.id,
                    created_at=ctx.now,
                )
            )
        side = {"person_id": person.id}
        audit.record(
            ctx,
            "customer.collaborator_" + ("remove" if intent.remove else "add"),
            f"customer:{customer.id}",
            customer_id=customer.id,
            before=side if intent.remove else None,
            after=None if intent.remove else side,
        )
        done.append(person)
        if person.id != ctx.me.id:
            key = (
                "customer.collaborator_removed_notice"
                if intent.remove
                else "customer.collaborator_notice"
            )
            out.push(
                person.id,
                ctx.t_for(person, key, customer=customer, by=ctx.me),
            )
    ctx.session.flush()
    owner = ctx.session.get(Person, customer.owner_id) if customer.owner_id else None
    text = ctx.t(
        "customer.collaborators_changed",
        customer=customer,
        owner=owner,
        remove=intent.remove,
        done=done,
        unchanged=unchanged,
        collaborators=of_customer(ctx, customer),
    )
    return out.reply(text)
