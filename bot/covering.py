"""Covering for a teammate: a rep in the same team as a customer's owner (小张 taking 恒力机械's
call for 小李) may add a touch (/log), a task (/task) or a question (/question) to it, by its
exact name or alias. The write is audited (customer.cover), the owner is told, and the
teammate sees nothing more than before: the reply confirms what they wrote, never the
customer's deals, amounts or history (bot/customers.py `find(…, cover=True)`)."""

from __future__ import annotations

from typing import Any

from bot import audit
from bot.context import Context
from bot.outcome import Outcome
from storage.models import Customer, Person


def teammate(ctx: Context, customer: Customer) -> Person | None:
    """The customer's owner when the asker is in the owner's team (and is not the owner)."""
    if ctx.me.team_id is None or customer.owner_id in (None, ctx.me.id):
        return None
    owner = ctx.session.get(Person, customer.owner_id)
    return owner if owner is not None and owner.team_id == ctx.me.team_id else None


def covering(ctx: Context, customer: Customer) -> Person | None:
    """The owner the asker covers for on this customer: None when it is within their reach."""
    return None if ctx.reach.customer(customer) else teammate(ctx, customer)


def told(
    ctx: Context,
    reply: str,
    owner: Person,
    customer: Customer,
    *,
    kind: str,
    subject: str,
    text: str,
    push: bool = True,
    **params: Any,
) -> Outcome:
    """The outcome of a write made as cover: audited, `reply` saying so, and (`push`) the owner
    told. `kind`: touch, task or question; `subject`: the record written ("activity:5")."""
    audit.record(
        ctx,
        "customer.cover",
        subject,
        customer_id=customer.id,
        after={"kind": kind, "text": text, "owner_id": owner.id},
    )
    note = ctx.t("customers.covered_reply", owner=owner, customer=customer)
    out = Outcome().reply(f"{reply.rstrip()}\n{note}")
    if push:
        out.push(
            owner.id,
            ctx.t_for(
                owner,
                "customers.covered",
                by=ctx.me,
                customer=customer,
                kind=kind,
                text=text,
                **params,
            ),
        )
    return out
