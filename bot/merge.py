"""Merging two records of one customer: `/customer A merge B` (`/客户 A 合并 B`) — B is merged
into A. A manager or an admin, with both customers within reach, asks; the reply says what
would move and the line to confirm with (the same line and "confirm" / "确认"), since a merge
is hard to undo. Then everything recorded about B (touches, deals, tasks, questions,
requirements, meetings, contacts, channels, collaborators, aliases) belongs to A, B's name
becomes an alias of A, and the merge is audited. The audit trail is append-only, so B's own
entries keep B's id: bot/audit.py's `merged_ids` finds them through the merge's entry, and a
customer's history reads them all."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import audit
from bot.context import Context, UserError
from bot.customers import find
from bot.intents import CustomerRef, Intent
from bot.outcome import Outcome
from storage.models import (
    Activity,
    Collaborator,
    Contact,
    Customer,
    CustomerAlias,
    CustomerChannel,
    Deal,
    Meeting,
    Person,
    Question,
    Requirement,
    Task,
    Team,
)
from storage.names import name_key

MERGE = ("merge", "合并")
CONFIRM = ("confirm", "确认")
# what moves, in the order the reply lists it
MOVED = {
    "touches": Activity,
    "deals": Deal,
    "tasks": Task,
    "questions": Question,
    "requirements": Requirement,
    "meetings": Meeting,
    "contacts": Contact,
    "channels": CustomerChannel,
}


@dataclass(frozen=True, kw_only=True)
class CustomerMerge(Intent):
    customer: CustomerRef  # A, which stays
    other: CustomerRef  # B, merged into A
    confirm: bool = False


def _who_can(ctx: Context) -> UserError:
    """The refusal for a rep: their team's lead and the admins can merge."""
    lead = None
    if ctx.me.team_id is not None:
        lead_id = ctx.session.scalar(select(Team.lead_id).where(Team.id == ctx.me.team_id))
        lead = ctx.session.get(Person, lead_id) if lead_id else None
    admins = list(
        ctx.session.scalars(
            select(Person)
            .where(Person.tenant_id == ctx.tenant.id, Person.role == "admin")
            .order_by(Person.id)
            .limit(3)
        )
    )
    return UserError("merge_who_can", lead=lead, admins=admins)


def _counts(session: Session, customer: Customer) -> dict[str, int]:
    counts = {
        what: session.scalar(
            select(func.count()).select_from(model).where(model.customer_id == customer.id)
        )
        or 0
        for what, model in MOVED.items()
    }
    counts["aliases"] = (
        session.scalar(
            select(func.count())
            .select_from(CustomerAlias)
            .where(CustomerAlias.customer_id == customer.id)
        )
        or 0
    )
    return counts


def merge(ctx: Context, intent: CustomerMerge) -> Outcome:
    if ctx.me.role not in ("manager", "admin"):
        raise _who_can(ctx)
    keep, _ = find(ctx, intent.customer, create=False)
    gone, _ = find(ctx, intent.other, create=False)
    if keep.id == gone.id:
        raise UserError("merge_same", customer=keep.name)
    counts = _counts(ctx.session, gone)
    if not intent.confirm:
        word = CONFIRM[1] if ctx.locale.startswith("zh") else CONFIRM[0]
        line = f"{(ctx.event.text or '').rstrip()} {word}"
        text = ctx.t("customers.merge_ask", keep=keep, gone=gone, counts=counts, line=line)
        return Outcome().reply(text, private=True)
    s = ctx.session
    for model in MOVED.values():
        s.execute(
            update(model).where(model.customer_id == gone.id).values(customer_id=keep.id),
            execution_options={"synchronize_session": False},
        )
    s.execute(
        update(CustomerAlias)
        .where(CustomerAlias.customer_id == gone.id)
        .values(customer_id=keep.id),
        execution_options={"synchronize_session": False},
    )
    on_keep = set(
        s.scalars(select(Collaborator.person_id).where(Collaborator.customer_id == keep.id))
    )
    for row in s.scalars(select(Collaborator).where(Collaborator.customer_id == gone.id)):
        if row.person_id in on_keep or row.person_id == keep.owner_id:
            s.delete(row)
        else:
            row.customer_id = keep.id
    s.flush()
    keep.tags = list(dict.fromkeys([*(keep.tags or []), *(gone.tags or [])]))
    before = {"id": gone.id, "name": gone.name, "owner_id": gone.owner_id}
    gone_owner = s.get(Person, gone.owner_id) if gone.owner_id else None
    gone_name = gone.name
    s.delete(gone)
    s.flush()
    key = name_key(gone_name)
    taken = s.scalar(
        select(CustomerAlias.id).where(
            CustomerAlias.tenant_id == ctx.tenant.id, CustomerAlias.alias_key == key
        )
    )
    if taken is None and key != keep.name_key:
        s.add(
            CustomerAlias(
                tenant_id=ctx.tenant.id, customer_id=keep.id, alias=gone_name, alias_key=key
            )
        )
    audit.record(
        ctx,
        "customer.merge",
        f"customer:{keep.id}",
        customer_id=keep.id,
        before=before,
        after={"id": keep.id, "name": gone_name},
        merged=before["id"],
        moved=counts,
    )
    s.flush()
    params = {"keep": keep, "gone": gone_name, "counts": counts, "by": ctx.me}
    out = Outcome().reply(ctx.t("customers.merged", **params))
    told = {ctx.me.id}
    for person in (s.get(Person, keep.owner_id) if keep.owner_id else None, gone_owner):
        if person is not None and person.id not in told:
            told.add(person.id)
            out.push(
                person.id,
                ctx.t_for(person, "customers.merged_notice", **params),
            )
    return out
