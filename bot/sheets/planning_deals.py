"""A row's deal and contact, planned once its customer is known (bot/sheets/planning.py).

A deal is the customer's deal of that name (the export's D12 tells apart two of one name);
an open one is updated where the row says otherwise, a won or lost one is never changed, nor
closed by an import (closing is said in chat, where the stage's checklist applies). A contact
is the customer's contact of that name; what the row leaves empty stays as it is."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.pipeline import Pipeline, Stage
from bot.sheets import values
from bot.sheets.known import Known, name_key
from bot.sheets.plans import ContactStep, DealStep, Match, Place, Plan, Skip
from bot.sheets.rows import RowIn
from storage.models import Deal

Seen = dict[tuple[int, str], tuple[Place, tuple[object, ...]]]


class Planner(Protocol):
    """What a deal's and a contact's planning reads of bot/sheets/planning.py's Planner."""

    plan: Plan
    known: Known
    pipeline: Pipeline
    tz: ZoneInfo
    day_start: time
    currency: str
    deal_seen: Seen
    contact_seen: Seen

    def current(self, match: Match) -> tuple[str, int | None, str | None]: ...


def plan_deal(p: Planner, row: RowIn, match: Match, owner_id: int | None) -> DealStep | Skip | None:
    """The row's deal as a step, a Skip (a duplicate row, a closed deal), or None with the
    row's problem said."""
    title = row.deal or row.customer or match.name
    key = name_key(title)
    customer_owner = match.owner_id or p.current(match)[1]
    known = _known_deals(p, match, key, row.ref)
    open_ = [d for d in known if d.status == "open"]
    if len(open_) > 1:
        row.problem("deal", "ambiguous_deal", deals=[d.id for d in open_])
        return None
    existing = open_[0] if open_ else (known[-1] if known else None)
    stage = row.stage or (p.pipeline.get(existing.stage) if existing else p.pipeline.first)
    amount = row.amount.value if row.amount else (existing.amount if existing else None)
    written = (row.amount.currency or row.currency) if row.amount else None
    step = DealStep(
        place=row.place,
        customer=-1,
        id=existing.id if existing else None,
        title=existing.title if existing else title,
        stage=stage.key,
        amount=amount,
        currency=written or (existing.currency if existing else None) or p.currency,
        tax_note=_tax_note(row, existing),
        expected_close=(
            values.close_moment(row.close, p.tz, p.day_start)
            if row.close
            else (existing.expected_close if existing else None)
        ),
        # a deals sheet's owner is the deal's; elsewhere it is the customer's, whose deals
        # keep theirs (a new one is the customer's owner's, as /deal … new makes it)
        owner_id=(owner_id if row.kind == "deals" else None)
        or (existing.owner_id if existing else customer_owner),
    )
    token = match.step if match.step is not None else None
    first = p.deal_seen.get((token, deal_key(step))) if token is not None else None
    if first is not None:
        if first[1] == deal_sign(step):
            return Skip(*_at(row), "deals", "duplicate", {"row": first[0].row})
        row.problem("deal", "conflicts_with", row=first[0].row)
        return None
    if existing is not None and existing.status != "open":
        return _closed(p, row, existing, stage, step)
    if stage.closed:
        reason = "close_in_chat" if existing else "closed_not_imported"
        deal_id = existing.id if existing else None
        return Skip(*_at(row), "deals", reason, {"deal": deal_id, "stage": stage.key})
    if "amount" in stage.requires and amount is None:
        row.problem("stage", "stage_requires_amount")
        return None
    if existing is not None:
        step.changed = deal_changes(existing, step, p.tz)
    return step


def _at(row: RowIn) -> tuple[str, int]:
    return row.place.sheet, row.place.row


def _tax_note(row: RowIn, existing: Deal | None) -> str | None:
    """What the row says about tax (in the amount, 28万（含税）, or its own column); an
    amount that stays what it was keeps its note when the row says nothing of tax."""
    if row.amount is None:
        return existing.tax_note if existing else None
    said = row.amount.tax or row.tax_note
    if said is not None or existing is None or existing.amount is None:
        return said
    return existing.tax_note if Decimal(existing.amount) == row.amount.value else None


def _closed(
    p: Planner, row: RowIn, existing: Deal, stage: Stage, step: DealStep
) -> DealStep | Skip:
    """A deal already won or lost is never changed nor reopened by an import."""
    if stage.key == existing.stage and not deal_changes(existing, step, p.tz):
        return step  # the same, as an export of it says: unchanged
    params = {"deal": existing.id, "status": existing.status}
    return Skip(*_at(row), "deals", "closed_deal", params)


def _known_deals(p: Planner, match: Match, key: str, ref: int | None) -> list[Deal]:
    customer_id = match.id
    if match.step is not None:
        customer_id = p.plan.customers[match.step].id
    if customer_id is None:
        return []
    deals = p.known.deals.get(customer_id, [])
    if ref is not None and (hit := [d for d in deals if d.id == ref]):
        return hit
    return [d for d in deals if name_key(d.title) == key]


def plan_contact(p: Planner, row: RowIn, match: Match) -> ContactStep | Skip | None:
    if row.contact is None:
        return None
    key = name_key(row.contact)
    customer_id = match.id
    if match.step is not None:
        customer_id = p.plan.customers[match.step].id
    known = [c for c in p.known.contacts.get(customer_id or 0, ()) if name_key(c.name) == key]
    existing = known[0] if known else None
    step = ContactStep(
        place=row.place,
        customer=-1,
        id=existing.id if existing else None,
        name=existing.name if existing else row.contact,
        title=row.title or (existing.title if existing else None),
        phone=row.phone or (existing.phone if existing else None),
        email=row.email or (existing.email if existing else None),
    )
    token = match.step if match.step is not None else None
    first = p.contact_seen.get((token, key)) if token is not None else None
    if first is not None:
        if first[1] == contact_sign(step):
            return Skip(*_at(row), "contacts", "duplicate", {"row": first[0].row})
        row.problem("contact", "conflicts_with", row=first[0].row)
        return None
    if existing is not None:
        step.changed = {
            f for f in ("title", "phone", "email") if getattr(step, f) != getattr(existing, f)
        }
    return step


def deal_key(step: DealStep) -> str:
    """Which deal a row names, among a customer's: the one it matched (by the export's ref, two
    of one name are two deals), else its name."""
    return f"#{step.id}" if step.id is not None else name_key(step.title)


def deal_sign(step: DealStep) -> tuple[object, ...]:
    """What two rows of one deal must agree on to be the same row twice."""
    amount = None if step.amount is None else Decimal(step.amount).normalize()
    return (step.stage, amount, step.currency, step.expected_close, step.owner_id)


def contact_sign(step: ContactStep) -> tuple[object, ...]:
    return (step.title, step.phone, step.email)


def deal_changes(deal: Deal, step: DealStep, tz: ZoneInfo) -> set[str]:
    """The fields of a known deal the step changes (an expected close by its day)."""
    changed = set()
    if deal.stage != step.stage:
        changed.add("stage")
    if step.amount is not None and (
        deal.amount is None or Decimal(deal.amount) != Decimal(step.amount)
    ):
        changed.add("amount")
    if deal.currency != step.currency or (deal.tax_note or None) != (step.tax_note or None):
        changed.add("amount")
    if step.expected_close is not None and (
        deal.expected_close is None
        or deal.expected_close.astimezone(tz).date() != step.expected_close.astimezone(tz).date()
    ):
        changed.add("expected_close")
    if step.owner_id != deal.owner_id:
        changed.add("owner_id")
    return changed
