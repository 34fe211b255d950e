"""A plan written to the store (bot/sheets/importing.py `apply`): customers with their aliases,
deals and contacts made or changed as the chat makes and changes them (a new deal enters its
stage now and counts as touched now; a stage moved by an import enters it now), with an audit
entry for each customer and deal, so that its history says it came from that file's row.

New rows go in as one INSERT per table and chunk (SQLAlchemy's insertmanyvalues, their ids
RETURNING in order), not as tracked objects: 20,000 rows a kind in seconds. The few known rows
that change are changed through the session. Nothing is committed: the caller commits."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot.audit import deal_state, entry_values
from bot.sheets.known import name_key
from bot.sheets.plans import Applied, CustomerStep, DealStep, Plan
from storage.models import AuditEntry, Contact, Customer, CustomerAlias, Deal


def write(session: Session, plan: Plan, *, actor_id: int | None, now: datetime) -> Applied:
    tenant = plan.tenant_id
    audit: list[dict[str, Any]] = []

    def entry(
        step: CustomerStep | DealStep,
        action: str,
        subject: str,
        customer: int,
        before: dict[str, Any] | None,
        after: dict[str, Any],
    ) -> None:
        audit.append(
            entry_values(
                tenant_id=tenant,
                actor_id=actor_id,
                action=action,
                subject=subject,
                customer_id=customer,
                at=now,
                before=before,
                after=after,
                file=plan.file,
                row=step.place.row,
                sheet=step.place.sheet or None,
            )
        )

    ids = _customers(session, plan, now)
    aliases = [
        {"tenant_id": tenant, "customer_id": cid, "alias": a, "alias_key": name_key(a)}
        for step, cid in zip(plan.customers, ids, strict=True)
        for a in step.aliases
    ]
    _add(session, CustomerAlias, aliases)
    for step, cid in zip(plan.customers, ids, strict=True):
        if step.id is None or step.changed:
            after = {"name": step.name, "owner_id": step.owner_id}
            after |= {"external_id": step.external_id, "aliases": step.aliases}
            entry(step, "customer.import", f"customer:{cid}", cid, step.before, after)
    new = [s for s in plan.deals if s.id is None]
    rows = [_new_deal(plan, s, ids, now) for s in new]
    for step, row, deal_id in zip(new, rows, _insert(session, Deal, rows), strict=True):
        state = deal_state(SimpleNamespace(**row, lost_reason=None))  # type: ignore[arg-type]
        entry(step, "deal.import", f"deal:{deal_id}", row["customer_id"], None, state)
    for step in plan.deals:
        if step.id is not None and step.changed:
            deal = session.get_one(Deal, step.id)
            before = _change(deal, step, now)
            entry(
                step, "deal.import", f"deal:{deal.id}", deal.customer_id, before, deal_state(deal)
            )
    contacts = [
        {
            "tenant_id": tenant,
            "customer_id": ids[c.customer],
            "name": c.name,
            "title": c.title,
            "phone": c.phone,
            "email": c.email,
        }
        for c in plan.contacts
        if c.id is None
    ]
    _add(session, Contact, contacts)
    for c in plan.contacts:
        if c.id is not None and c.changed:
            row = session.get_one(Contact, c.id)
            for name in c.changed:
                setattr(row, name, getattr(c, name))
    _add(session, AuditEntry, audit)
    session.flush()
    return Applied(plan=plan, left_out=len(plan.bad_rows), audit_entries=len(audit))


def _insert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    """The rows inserted at once; their ids, in the rows' order."""
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def _add(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """The rows inserted at once, their ids not needed (an executemany: no RETURNING to
    order, which PostgreSQL's driver would spell out row by row)."""
    if rows:
        session.execute(insert(model), rows)


def _customers(session: Session, plan: Plan, now: datetime) -> list[int]:
    """Every step's customer id: the new ones made, the known ones brought up to date."""
    new = [
        {
            "tenant_id": plan.tenant_id,
            "name": step.name,
            "name_key": name_key(step.name),
            "owner_id": step.owner_id,
            "external_id": step.external_id,
            "tags": [],
            "created_at": now,
        }
        for step in plan.customers
        if step.id is None
    ]
    made = iter(_insert(session, Customer, new))
    ids = []
    for step in plan.customers:
        if step.id is None:
            ids.append(next(made))
            continue
        if step.changed - {"aliases"}:
            customer = session.get_one(Customer, step.id)
            if "name" in step.changed:
                customer.name, customer.name_key = step.name, name_key(step.name)
            if "owner_id" in step.changed:
                customer.owner_id = step.owner_id
            if "external_id" in step.changed:
                customer.external_id = step.external_id
        ids.append(step.id)
    session.flush()  # a renamed customer's old name is free before it becomes an alias
    return ids


def _new_deal(plan: Plan, step: DealStep, ids: list[int], now: datetime) -> dict[str, Any]:
    return {
        "tenant_id": plan.tenant_id,
        "customer_id": ids[step.customer],
        "title": step.title,
        "amount": step.amount,
        "currency": step.currency,
        "tax_note": step.tax_note,
        "stage": step.stage,
        "owner_id": step.owner_id,
        "expected_close": step.expected_close,
        "status": "open",
        "stage_entered_at": now,
        "last_touch_at": now,
        "created_at": now,
    }


def _change(deal: Deal, step: DealStep, now: datetime) -> dict[str, Any]:
    """Bring a known deal to what the step says; its state before."""
    before = deal_state(deal)
    if "stage" in step.changed:
        deal.stage, deal.stage_entered_at = step.stage, now
    if "amount" in step.changed:
        deal.amount, deal.currency, deal.tax_note = step.amount, step.currency, step.tax_note
    if "expected_close" in step.changed:
        deal.expected_close = step.expected_close
    if "owner_id" in step.changed:
        deal.owner_id = step.owner_id
    return before
