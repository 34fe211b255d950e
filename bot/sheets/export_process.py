"""The export's process records (issue 20): approvals, payment plans, money received and
delivery milestones, each kind in one statement, as the reader's reach shows them in chat
(bot/reach.py): /approvals' rule for approvals, a milestone's owner sees it as its customer's
people do; payments follow their customer."""

from __future__ import annotations

from sqlalchemy import select

from bot.approvals import within
from bot.sheets.table import COUNT, DAY, MOMENT, NUMBER, Column, Reader, Table, number, plain
from storage.models import Customer, Deal
from storage.process import Approval, Milestone, Payment, PaymentStep


def approvals(r: Reader) -> Table:
    table = Table(
        "approvals",
        (
            Column("ref"),
            Column("deal_ref"),
            Column("customer"),
            Column("deal"),
            Column("amount", NUMBER),
            Column("currency"),
            Column("discount", NUMBER),
            Column("reason"),
            Column("status"),
            Column("requester"),
            Column("approver"),
            Column("requested", MOMENT),
            Column("decided", MOMENT),
            Column("decided_by"),
            Column("decision_note"),
        ),
    )
    rows = r.session.execute(
        select(
            *plain(Approval, "id", "deal_id", "amount", "currency", "discount_percent", "reason"),
            *plain(Approval, "status", "requester_id", "approver_id", "requested_at"),
            *plain(Approval, "decided_at", "decided_by_id", "decision_note"),
            Customer.name.label("customer_name"),
            Deal.title.label("deal_title"),
        )
        .join(Customer, Customer.id == Approval.customer_id)
        .join(Deal, Deal.id == Approval.deal_id)
        .where(Approval.tenant_id == r.tenant_id, within(r.reach))
        .order_by(Approval.requested_at, Approval.id)
    )
    for a in rows:
        table.rows.append(
            [
                f"A{a.id}",
                f"D{a.deal_id}",
                a.customer_name,
                a.deal_title,
                number(a.amount),
                a.currency if a.amount is not None else None,
                number(a.discount_percent),
                a.reason,
                r.word("approvals", a.status),
                r.person(a.requester_id),
                r.person(a.approver_id),
                r.local(a.requested_at),
                r.local(a.decided_at),
                r.person(a.decided_by_id),
                a.decision_note,
            ]
        )
    return table


def payments(r: Reader) -> Table:
    """The payment plans as they stand: the steps a newer plan replaced are left out (the
    history keeps them)."""
    table = Table(
        "payments",
        (
            Column("deal_ref"),
            Column("customer"),
            Column("deal"),
            Column("step", COUNT),
            Column("terms"),
            Column("percent", NUMBER),
            Column("amount", NUMBER),
            Column("currency"),
            Column("due_on", DAY),
            Column("milestone"),
            Column("paid", NUMBER),
            Column("status"),
            Column("paid_at", MOMENT),
        ),
    )
    rows = r.session.execute(
        select(
            *plain(PaymentStep, "deal_id", "sequence", "terms", "percent", "amount", "currency"),
            *plain(PaymentStep, "due_on", "paid", "status", "paid_at"),
            Customer.name.label("customer_name"),
            Deal.title.label("deal_title"),
            Milestone.title.label("milestone_title"),
        )
        .join(Customer, Customer.id == PaymentStep.customer_id)
        .join(Deal, Deal.id == PaymentStep.deal_id)
        .outerjoin(Milestone, Milestone.id == PaymentStep.milestone_id)
        .where(r.customers_seen(), PaymentStep.status != "replaced")
        .order_by(Customer.name_key, PaymentStep.deal_id, PaymentStep.sequence, PaymentStep.id)
    )
    for s in rows:
        table.rows.append(
            [
                f"D{s.deal_id}",
                s.customer_name,
                s.deal_title,
                s.sequence,
                s.terms,
                number(s.percent),
                number(s.amount),
                s.currency,
                s.due_on,
                s.milestone_title,
                number(s.paid),
                r.word("payments", s.status),
                r.local(s.paid_at),
            ]
        )
    return table


def receipts(r: Reader) -> Table:
    """Money received, as recorded (/paid): the day it came in, the whole sum."""
    table = Table(
        "receipts",
        (
            Column("deal_ref"),
            Column("customer"),
            Column("deal"),
            Column("amount", NUMBER),
            Column("currency"),
            Column("received_on", DAY),
            Column("recorded_by"),
            Column("recorded", MOMENT),
        ),
    )
    rows = r.session.execute(
        select(
            *plain(Payment, "deal_id", "amount", "currency", "received_at", "recorded_by_id"),
            Payment.recorded_at,
            Customer.name.label("customer_name"),
            Deal.title.label("deal_title"),
        )
        .join(Customer, Customer.id == Payment.customer_id)
        .join(Deal, Deal.id == Payment.deal_id)
        .where(r.customers_seen())
        .order_by(Payment.received_at, Payment.id)
    )
    for p in rows:
        table.rows.append(
            [
                f"D{p.deal_id}",
                p.customer_name,
                p.deal_title,
                number(p.amount),
                p.currency,
                r.day(p.received_at),
                r.person(p.recorded_by_id),
                r.local(p.recorded_at),
            ]
        )
    return table


def milestones(r: Reader) -> Table:
    table = Table(
        "milestones",
        (
            Column("ref"),
            Column("deal_ref"),
            Column("customer"),
            Column("deal"),
            Column("milestone"),
            Column("owner"),
            Column("due", MOMENT),
            Column("status"),
            Column("done", MOMENT),
            Column("done_by"),
        ),
    )
    rows = r.session.execute(
        select(
            *plain(Milestone, "id", "deal_id", "title", "owner_id", "due_at", "due_all_day"),
            *plain(Milestone, "status", "done_at", "done_by_id"),
            Customer.name.label("customer_name"),
            Deal.title.label("deal_title"),
        )
        .join(Customer, Customer.id == Milestone.customer_id)
        .join(Deal, Deal.id == Milestone.deal_id)
        .where(Milestone.tenant_id == r.tenant_id, r.reach.involved_sql(Milestone.owner_id))
        .order_by(Milestone.due_at, Milestone.id)
    )
    for m in rows:
        table.rows.append(
            [
                f"M{m.id}",
                f"D{m.deal_id}",
                m.customer_name,
                m.deal_title,
                m.title,
                r.person(m.owner_id),
                r.deadline(m.due_at, m.due_all_day),
                r.word("milestones", m.status),
                r.local(m.done_at),
                r.person(m.done_by_id),
            ]
        )
    return table
