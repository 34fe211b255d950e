"""A plan written to the store (bot/sheets/importing.py `apply`): customers with their aliases,
deals and contacts made or changed as the chat makes and changes them (a new deal enters its
stage now and counts as touched now; a stage moved by an import enters it now), with an audit
entry for each customer and deal, so that its history says it came from that file's row.
Everything is added to the caller's session and flushed; the caller commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.audit import deal_state, entry_for
from bot.sheets.plans import Applied, CustomerStep, DealStep, Plan
from storage.models import AuditEntry, Contact, Customer, CustomerAlias, Deal
from storage.names import name_key


def write(session: Session, plan: Plan, *, actor_id: int | None, now: datetime) -> Applied:
    tenant = plan.tenant_id
    audit: list[AuditEntry] = []
    customers = _customers(session, plan, now)
    for step, customer in zip(plan.customers, customers, strict=True):
        for alias in step.aliases:
            session.add(
                CustomerAlias(
                    tenant_id=tenant,
                    customer_id=customer.id,
                    alias=alias,
                    alias_key=name_key(alias),
                )
            )
        if step.id is None or step.changed:
            after = {"name": customer.name, "owner_id": customer.owner_id}
            after |= {"external_id": customer.external_id, "aliases": step.aliases}
            audit.append(
                _entry(
                    plan,
                    step,
                    actor_id,
                    now,
                    "customer.import",
                    f"customer:{customer.id}",
                    customer.id,
                    before=step.before,
                    after=after,
                )
            )
    deals = [_deal(session, plan, step, customers, now) for step in plan.deals]
    session.flush()  # the new deals' ids, for their entries
    for step, (deal, before) in zip(plan.deals, deals, strict=True):
        if deal is not None:
            audit.append(
                _entry(
                    plan,
                    step,
                    actor_id,
                    now,
                    "deal.import",
                    f"deal:{deal.id}",
                    deal.customer_id,
                    before=before,
                    after=deal_state(deal),
                )
            )
    for contact_step in plan.contacts:
        customer = customers[contact_step.customer]
        if contact_step.id is None:
            session.add(
                Contact(
                    tenant_id=tenant,
                    customer_id=customer.id,
                    name=contact_step.name,
                    title=contact_step.title,
                    phone=contact_step.phone,
                    email=contact_step.email,
                )
            )
        elif contact_step.changed:
            row = session.get_one(Contact, contact_step.id)
            for name in contact_step.changed:
                setattr(row, name, getattr(contact_step, name))
    session.add_all(audit)
    session.flush()
    return Applied(plan=plan, left_out=len(plan.bad_rows), audit_entries=len(audit))


def _customers(session: Session, plan: Plan, now: datetime) -> list[Customer]:
    """Every step's customer: the new ones made (and flushed, for their ids), the known ones
    brought up to date."""
    found: list[Customer] = []
    for step in plan.customers:
        if step.id is None:
            customer = Customer(
                tenant_id=plan.tenant_id,
                name=step.name,
                name_key=name_key(step.name),
                owner_id=step.owner_id,
                external_id=step.external_id,
                tags=[],
                created_at=now,
            )
            session.add(customer)
        else:
            customer = session.get_one(Customer, step.id)
            if "name" in step.changed:
                customer.name, customer.name_key = step.name, name_key(step.name)
            if "owner_id" in step.changed:
                customer.owner_id = step.owner_id
            if "external_id" in step.changed:
                customer.external_id = step.external_id
        found.append(customer)
    session.flush()
    return found


def _deal(
    session: Session, plan: Plan, step: DealStep, customers: list[Customer], now: datetime
) -> tuple[Deal | None, dict[str, Any] | None]:
    """The deal made or changed, with its state before (None: nothing to write)."""
    if step.id is None:
        deal = Deal(
            tenant_id=plan.tenant_id,
            customer_id=customers[step.customer].id,
            title=step.title,
            amount=step.amount,
            currency=step.currency,
            tax_note=step.tax_note,
            stage=step.stage,
            owner_id=step.owner_id,
            expected_close=step.expected_close,
            stage_entered_at=now,
            last_touch_at=now,
            created_at=now,
        )
        session.add(deal)
        return deal, None
    if not step.changed:
        return None, None
    deal = session.get_one(Deal, step.id)
    before = deal_state(deal)
    if "stage" in step.changed:
        deal.stage, deal.stage_entered_at = step.stage, now
    if "amount" in step.changed:
        deal.amount, deal.currency, deal.tax_note = step.amount, step.currency, step.tax_note
    if "expected_close" in step.changed:
        deal.expected_close = step.expected_close
    if "owner_id" in step.changed:
        deal.owner_id = step.owner_id
    return deal, before


def _entry(
    plan: Plan,
    step: CustomerStep | DealStep,
    actor_id: int | None,
    now: datetime,
    action: str,
    subject: str,
    customer_id: int,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> AuditEntry:
    return entry_for(
        tenant_id=plan.tenant_id,
        actor_id=actor_id,
        action=action,
        subject=subject,
        customer_id=customer_id,
        at=now,
        before=before,
        after=after,
        file=plan.file,
        row=step.place.row,
        sheet=step.place.sheet or None,
    )
