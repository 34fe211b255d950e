"""The export's sales records, each kind read in a few statements whatever its size (one for
the rows, one per list a cell joins: aliases, collaborators, confirmations), only what the
reader's reach shows (bot/reach.py): a customer within reach brings everything recorded about
it; a task or question out of reach comes only to the person it is assigned to, as in chat."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import and_, select

from bot.sheets.table import (
    COUNT,
    DAY,
    LIST_SEPARATOR,
    MOMENT,
    NUMBER,
    Column,
    Reader,
    Table,
    number,
    plain,
)
from storage.models import (
    Activity,
    Collaborator,
    Confirmation,
    Contact,
    Customer,
    CustomerAlias,
    Deal,
    Question,
    Requirement,
    RequirementVersion,
    Task,
)

V = TypeVar("V")


def customers(r: Reader) -> Table:
    """External ID, Customer, Aliases, Owner — the columns the import reads back — and more."""
    table = Table(
        "customers",
        (
            Column("external_id"),
            Column("customer"),
            Column("aliases"),
            Column("owner"),
            Column("collaborators"),
            Column("tags"),
            Column("created", MOMENT),
        ),
    )
    seen = r.customers_seen()
    aliases = _lists(
        r.session.execute(
            select(CustomerAlias.customer_id, CustomerAlias.alias)
            .join(Customer, Customer.id == CustomerAlias.customer_id)
            .where(seen)
            .order_by(CustomerAlias.id)
        )
    )
    collaborators = _lists(
        r.session.execute(
            select(Collaborator.customer_id, Collaborator.person_id)
            .join(Customer, Customer.id == Collaborator.customer_id)
            .where(seen)
            .order_by(Collaborator.id)
        )
    )
    rows = r.session.execute(
        select(
            Customer.id,
            Customer.name,
            Customer.owner_id,
            Customer.tags,
            Customer.created_at,
            Customer.external_id,
        )
        .where(seen)
        .order_by(Customer.name_key, Customer.id)
    )
    for cid, name, owner_id, tags, created, external_id in rows:
        table.rows.append(
            [
                external_id,
                name,
                LIST_SEPARATOR.join(aliases.get(cid, ())),
                r.person(owner_id),
                r.people(collaborators.get(cid)),
                LIST_SEPARATOR.join(tags or ()),
                r.local(created),
            ]
        )
    return table


def deals(r: Reader) -> Table:
    table = Table(
        "deals",
        (
            Column("ref"),
            Column("customer"),
            Column("deal"),
            Column("stage"),
            Column("amount", NUMBER),
            Column("currency"),
            Column("expected_close", DAY),
            Column("owner"),
            Column("tax_note"),
            Column("discount", NUMBER),
            Column("lost_reason"),
            Column("closed", MOMENT),
            Column("last_touch", MOMENT),
            Column("created", MOMENT),
        ),
    )
    rows = r.session.execute(
        select(
            *plain(
                Deal, "id", "title", "stage", "amount", "currency", "expected_close", "owner_id"
            ),
            *plain(Deal, "tax_note", "discount_percent", "lost_reason", "closed_at"),
            *plain(Deal, "last_touch_at", "created_at"),
            Customer.name.label("customer_name"),
        )
        .join(Customer, Customer.id == Deal.customer_id)
        .where(r.customers_seen())
        .order_by(Customer.name_key, Deal.id)
    )
    for d in rows:
        table.rows.append(
            [
                f"D{d.id}",
                d.customer_name,
                d.title,
                r.stage(d.stage),
                number(d.amount),
                d.currency,
                r.day(d.expected_close),
                r.person(d.owner_id),
                d.tax_note,
                number(d.discount_percent),
                d.lost_reason,
                r.local(d.closed_at),
                r.local(d.last_touch_at),
                r.local(d.created_at),
            ]
        )
    return table


def contacts(r: Reader) -> Table:
    table = Table(
        "contacts",
        (Column("customer"), Column("contact"), Column("title"), Column("email"), Column("phone")),
    )
    # read in the contacts' order and sorted here: contacts have no index on their customer, so
    # a database asked for the customers' order may look each customer's contacts up by a scan
    rows = r.session.execute(
        select(
            Customer.name_key,
            Customer.name,
            Contact.name,
            Contact.title,
            Contact.email,
            Contact.phone,
        )
        .join(Customer, Customer.id == Contact.customer_id)
        .where(r.customers_seen())
        .order_by(Contact.id)
    ).all()
    rows.sort(key=lambda row: row[0])  # stable: by customer, then as written
    table.rows.extend(list(row[1:]) for row in rows)
    return table


def touches(r: Reader) -> Table:
    table = Table(
        "touches",
        (
            Column("customer"),
            Column("deal"),
            Column("type"),
            Column("notes"),
            Column("tags"),
            Column("author"),
            Column("occurred", MOMENT),
        ),
    )
    rows = r.session.execute(
        select(
            *plain(Activity, "type", "text", "tags", "author_id", "occurred_at"),
            Customer.name.label("customer_name"),
            Deal.title.label("deal_title"),
        )
        .join(Customer, Customer.id == Activity.customer_id)
        .outerjoin(Deal, Deal.id == Activity.deal_id)
        .where(r.customers_seen())
        .order_by(Activity.occurred_at, Activity.id)
    )
    for a in rows:
        table.rows.append(
            [
                a.customer_name,
                a.deal_title,
                r.word("touches", a.type),
                a.text,
                LIST_SEPARATOR.join(a.tags or ()),
                r.person(a.author_id),
                r.local(a.occurred_at),
            ]
        )
    return table


def tasks(r: Reader) -> Table:
    table = Table(
        "tasks",
        (
            Column("ref"),
            Column("customer"),
            Column("deal"),
            Column("task"),
            Column("owner"),
            Column("due", MOMENT),
            Column("status"),
            Column("done", MOMENT),
            Column("created", MOMENT),
        ),
    )
    rows = r.session.execute(
        select(
            *plain(Task, "id", "text", "owner_id", "due_at", "due_all_day", "status", "done_at"),
            Task.created_at,
            Customer.name.label("customer_name"),
            Deal.title.label("deal_title"),
        )
        .outerjoin(Customer, Customer.id == Task.customer_id)
        .outerjoin(Deal, Deal.id == Task.deal_id)
        .where(Task.tenant_id == r.tenant_id, r.reach.involved_sql(Task.owner_id))
        .order_by(Task.id)
    )
    for t in rows:
        table.rows.append(
            [
                f"T{t.id}",
                t.customer_name,
                t.deal_title,
                t.text,
                r.person(t.owner_id),
                r.deadline(t.due_at, t.due_all_day),
                r.word("tasks", t.status),
                r.local(t.done_at),
                r.local(t.created_at),
            ]
        )
    return table


def questions(r: Reader) -> Table:
    table = Table(
        "questions",
        (
            Column("ref"),
            Column("customer"),
            Column("question"),
            Column("asked_by"),
            Column("owner"),
            Column("status"),
            Column("asked", MOMENT),
            Column("answered", MOMENT),
            Column("answered_by"),
            Column("answer"),
        ),
    )
    rows = r.session.execute(
        select(
            *plain(Question, "id", "text", "asked_by", "owner_id", "status", "asked_at"),
            *plain(Question, "answered_at", "answered_by_id", "answer"),
            Customer.name.label("customer_name"),
        )
        .join(Customer, Customer.id == Question.customer_id)
        .where(Question.tenant_id == r.tenant_id, r.reach.involved_sql(Question.owner_id))
        .order_by(Question.asked_at, Question.id)
    )
    for q in rows:
        table.rows.append(
            [
                f"Q{q.id}",
                q.customer_name,
                q.text,
                q.asked_by,
                r.person(q.owner_id),
                r.word("questions", q.status),
                r.local(q.asked_at),
                r.local(q.answered_at),
                r.person(q.answered_by_id),
                q.answer,
            ]
        )
    return table


def requirements(r: Reader) -> Table:
    """Each requirement at its current version, the customer's words verbatim, with who is to
    confirm it and who has confirmed (or asked for a change to) that version."""
    table = Table(
        "requirements",
        (
            Column("ref"),
            Column("customer"),
            Column("requirement"),
            Column("version", COUNT),
            Column("status"),
            Column("author"),
            Column("confirmers"),
            Column("confirmed_by"),
            Column("change_by"),
            Column("created", MOMENT),
        ),
    )
    seen = r.customers_seen()
    decided: dict[tuple[int, str], list[int]] = defaultdict(list)
    for rid, person_id, decision in r.session.execute(
        select(Confirmation.requirement_id, Confirmation.person_id, Confirmation.decision)
        .join(
            Requirement,
            and_(
                Requirement.id == Confirmation.requirement_id,
                Requirement.current_version == Confirmation.version,
            ),
        )
        .join(Customer, Customer.id == Requirement.customer_id)
        .where(seen)
        .order_by(Confirmation.decided_at, Confirmation.id)
    ):
        decided[rid, decision].append(person_id)
    rows = r.session.execute(
        select(
            *plain(Requirement, "id", "current_version", "status", "author_id", "confirmer_ids"),
            Requirement.created_at,
            Customer.name.label("customer_name"),
            RequirementVersion.text,
        )
        .join(Customer, Customer.id == Requirement.customer_id)
        .outerjoin(
            RequirementVersion,
            and_(
                RequirementVersion.requirement_id == Requirement.id,
                RequirementVersion.version == Requirement.current_version,
            ),
        )
        .where(seen)
        .order_by(Requirement.id)
    )
    for q in rows:
        table.rows.append(
            [
                f"R{q.id}",
                q.customer_name,
                q.text,
                q.current_version,
                r.word("requirements", q.status),
                r.person(q.author_id),
                r.people(q.confirmer_ids),
                r.people(decided.get((q.id, "confirm"))),
                r.people(decided.get((q.id, "change"))),
                r.local(q.created_at),
            ]
        )
    return table


def _lists(pairs: Iterable[tuple[int, V]]) -> dict[int, list[V]]:
    """(key, value) rows → key → its values, in the order read."""
    found: dict[int, list[V]] = defaultdict(list)
    for key, value in pairs:
        found[key].append(value)
    return found
