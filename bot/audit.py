"""The audit trail: who changed a deal, a customer's owner, a role, a team or a target, and when.

`record` is the one place an entry is written. Entries are append-only (storage/append_only.py).
An entry's detail is `{"before": {...}, "after": {...}}` plus any extra facts, with people by id
(their names are looked up when read, so a rename shows everywhere). `customer_history` reads a
customer's entries for `/customer … history`; `export_rows` is what `dealbot export audit` writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.context import Context
from storage.models import AuditEntry, Customer, Deal, Person, Target, Team, Tenant

HISTORY_LIMIT = 30


def record(
    ctx: Context,
    action: str,
    subject: str,
    *,
    customer_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **extra: Any,
) -> AuditEntry:
    """Add one entry: `ctx.me` did `action` to `subject` (e.g. "deal.lost", "deal:5") now."""
    entry = entry_for(
        tenant_id=ctx.tenant.id,
        actor_id=ctx.me.id,
        action=action,
        subject=subject,
        customer_id=customer_id,
        at=ctx.now,
        before=before,
        after=after,
        **extra,
    )
    ctx.session.add(entry)
    return entry


def entry_for(**values: Any) -> AuditEntry:
    """An entry not yet added (`entry_values`' arguments)."""
    return AuditEntry(**entry_values(**values))


def entry_values(
    *,
    tenant_id: int,
    actor_id: int | None,
    action: str,
    subject: str,
    customer_id: int | None,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An entry's columns, for work done outside a chat event (`dealbot import`: no one
    speaking, thousands of entries inserted at once)."""
    detail = {"before": _plain(before), "after": _plain(after)}
    detail.update({k: _plain(v) for k, v in extra.items()})
    return {
        "tenant_id": tenant_id,
        "actor_id": actor_id,
        "action": action,
        "subject": subject,
        "customer_id": customer_id,
        "detail": detail,
        "at": at,
    }


def _plain(value: Any) -> Any:
    """JSON-safe: money as a string with cents, times as ISO UTC."""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


# --- what an entry keeps of each kind of record ------------------------------------------------


def deal_state(deal: Deal) -> dict[str, Any]:
    return {
        "title": deal.title,
        "stage": deal.stage,
        "status": deal.status,
        "amount": deal.amount,
        "currency": deal.currency,
        "expected_close": deal.expected_close,
        "owner_id": deal.owner_id,
        "lost_reason": deal.lost_reason,
    }


def team_state(session: Session, team: Team) -> dict[str, Any]:
    members = session.scalars(
        select(Person.id).where(Person.team_id == team.id).order_by(Person.id)
    ).all()
    return {"name": team.name, "lead_id": team.lead_id, "members": list(members)}


def target_state(target: Target | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {
        "period": target.period,
        "calls": target.calls,
        "visits": target.visits,
        "won": target.won_amount,
        "collected": target.collected,
        "currency": target.currency,
    }


# --- reading: a customer's history ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Change:
    """One line of `/customer … history`, decoded for the templates (names already looked up,
    stages in the reader's language)."""

    at: datetime
    actor: str | None  # display name; None when that person is gone
    action: str  # deal.new deal.stage deal.amount deal.close deal.won deal.lost customer.handover
    # customer.collaborator_add customer.collaborator_remove
    deal: int | None = None
    title: str | None = None
    stage_from: str | None = None
    stage_to: str | None = None
    amount_from: Decimal | None = None
    amount_to: Decimal | None = None
    currency_from: str = ""
    currency_to: str = ""
    close_from: datetime | None = None
    close_to: datetime | None = None
    reason: str | None = None
    owner_from: str | None = None
    owner_to: str | None = None
    deals: tuple[int, ...] = ()
    name: str | None = None  # customer.merge: the name of the customer merged in
    kind: str | None = None  # customer.cover: touch, task or question
    person: str | None = None  # a collaborator added or removed
    approval: int | None = None  # approval.request|approved|rejected|ask|reply: A<id>
    discount_to: Decimal | None = None  # deal.discount and approvals: percent
    milestone: int | None = None  # milestone.new|done: M<id>
    due_to: datetime | None = None  # milestone.new: its deadline
    late: tuple[int, str] | None = None  # milestone.done: how late, (n, "day"|"hour"|"minute")
    file: str | None = None  # customer.import, deal.import: the spreadsheet's name
    row: int | None = None  # … and its row
    created: bool = False  # … made by the import (else changed by it)


def merged_ids(session: Session, tenant_id: int, customer_id: int) -> set[int]:
    """The customer's id and those of every customer merged into it, at any depth."""
    ids, frontier = {customer_id}, {customer_id}
    while frontier:
        found = set()
        for detail in session.scalars(
            select(AuditEntry.detail).where(
                AuditEntry.tenant_id == tenant_id,
                AuditEntry.customer_id.in_(frontier),
                AuditEntry.action == "customer.merge",
            )
        ):
            merged = (detail or {}).get("merged")
            if isinstance(merged, int) and merged not in ids:
                found.add(merged)
        ids |= found
        frontier = found
    return ids


def customer_entries(
    session: Session, tenant_id: int, customer_id: int, limit: int = HISTORY_LIMIT
) -> list[AuditEntry]:
    """The customer's own entries and its deals', newest first (ix_audit_customer_at), with
    those of the customers merged into it (`merged_ids`)."""
    ids = merged_ids(session, tenant_id, customer_id)
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.tenant_id == tenant_id, AuditEntry.customer_id.in_(ids))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )


def customer_history(ctx: Context, customer: Customer, limit: int = HISTORY_LIMIT) -> list[Change]:
    entries = customer_entries(ctx.session, ctx.tenant.id, customer.id, limit)
    ids: set[int] = set()
    for e in entries:
        if e.actor_id:
            ids.add(e.actor_id)
        before, after = _sides(e)
        ids |= {v for v in (_int(before.get("owner_id")), _int(after.get("owner_id"))) if v}
        ids |= {v for v in (_int(before.get("person_id")), _int(after.get("person_id"))) if v}
    names: dict[int, str] = {
        person_id: name
        for person_id, name in ctx.session.execute(
            select(Person.id, Person.display_name).where(
                Person.tenant_id == ctx.tenant.id, Person.id.in_(ids)
            )
        )
    }
    return [_change(ctx, e, names) for e in entries]


def _sides(entry: AuditEntry) -> tuple[dict[str, Any], dict[str, Any]]:
    detail = entry.detail or {}
    before, after = detail.get("before"), detail.get("after")
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    if entry.action == "customer.handover" and "owner_id" not in after:  # before 0004
        before, after = {"owner_id": detail.get("src")}, {"owner_id": detail.get("dst")}
    return before, after


def _change(ctx: Context, entry: AuditEntry, names: dict[int, str]) -> Change:
    before, after = _sides(entry)
    detail = entry.detail or {}
    kind, _, number = entry.subject.partition(":")
    owner_from, owner_to = _int(before.get("owner_id")), _int(after.get("owner_id"))
    return Change(
        at=entry.at,
        actor=names.get(entry.actor_id) if entry.actor_id else None,
        action=entry.action,
        deal=int(number)
        if kind == "deal" and number.isdigit()
        else _int(detail.get("deal", detail.get("deal_id"))),
        title=after.get("title"),
        stage_from=_stage(ctx, before.get("stage")),
        stage_to=_stage(ctx, after.get("stage")),
        amount_from=_money(before.get("amount")),
        amount_to=_money(after.get("amount")),
        currency_from=before.get("currency") or ctx.tenant.currency,
        currency_to=after.get("currency") or ctx.tenant.currency,
        close_from=_when(before.get("expected_close")),
        close_to=_when(after.get("expected_close")),
        # a lost deal's reason, or the reason given for an override (deal.checklist_override)
        reason=after.get("lost_reason") or (entry.detail or {}).get("reason"),
        owner_from=names.get(owner_from) if owner_from else None,
        owner_to=names.get(owner_to) if owner_to else None,
        deals=tuple(d for d in detail.get("deals") or () if isinstance(d, int)),
        name=after.get("name") if entry.action == "customer.merge" else None,
        kind=after.get("kind"),
        person=names.get(_int(after.get("person_id") or before.get("person_id")) or 0),
        approval=int(number) if kind == "approval" and number.isdigit() else None,
        discount_to=_money(after.get("discount_percent")),
        milestone=int(number) if kind == "milestone" and number.isdigit() else None,
        due_to=_when(after.get("due_at")),
        late=_late(detail.get("late")),
        file=detail.get("file") if isinstance(detail.get("file"), str) else None,
        row=_int(detail.get("row")),
        created=not before,
    )


def _late(value: Any) -> tuple[int, str] | None:
    """How late a milestone was finished, as its entry keeps it ("4 day")."""
    n, _, unit = str(value or "").partition(" ")
    return (int(n), unit) if n.isdigit() and unit in ("day", "hour", "minute") else None


def _stage(ctx: Context, key: Any) -> str | None:
    if not isinstance(key, str) or not key:
        return None
    try:
        return ctx.settings.pipeline.get(key).name(ctx.locale)
    except StopIteration:  # a stage the pipeline no longer has
        return key


def _money(value: Any) -> Decimal | None:
    if value in (None, "", "None"):  # "None": how entries before 0004 wrote no amount
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _int(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


# --- export ----------------------------------------------------------------------------------------


def export_rows(session: Session, *, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Every entry, oldest first: one dict per entry, ready to be written as CSV or JSON lines."""
    query = (
        select(AuditEntry, Tenant.name, Person.display_name, Customer.name)
        .join(Tenant, Tenant.id == AuditEntry.tenant_id)
        .outerjoin(Person, Person.id == AuditEntry.actor_id)
        .outerjoin(Customer, Customer.id == AuditEntry.customer_id)
        .order_by(AuditEntry.at, AuditEntry.id)
        .execution_options(yield_per=500)
    )
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    for entry, tenant, actor, customer in session.execute(query):
        detail = dict(entry.detail or {})
        before, after = detail.pop("before", None), detail.pop("after", None)
        yield {
            "at": entry.at.astimezone(UTC).isoformat(),
            "tenant": tenant,
            "actor": actor,
            "actor_id": entry.actor_id,
            "action": entry.action,
            "subject": entry.subject,
            "customer": customer,
            "customer_id": entry.customer_id,
            "before": before,
            "after": after,
            "detail": detail,
        }
