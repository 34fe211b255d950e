"""A file's rows, one after the other, matched against the store (bot/sheets/known.py) and
against the rows before them: which customer each names (its external id first, then its name
or an alias), what would be created or changed, and what stops a row. A row is all or nothing:
its problems are found before anything of it is planned, so with --skip-bad-rows a bad row
leaves no trace, and the rows after it see only the good ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.pipeline import Pipeline, Stage
from bot.sheets import values
from bot.sheets.known import Known
from bot.sheets.plans import ContactStep, CustomerStep, DealStep, Place, Plan, Skip
from bot.sheets.rows import RowIn
from storage.models import Customer, Deal
from storage.names import name_key

OUTCOMES = ("won", "lost")


@dataclass
class Match:
    """Who a row's customer is, and what the row would change on it (nothing done yet)."""

    step: int | None = None  # an earlier row's customer
    id: int | None = None  # a known customer with no step yet
    name: str = ""
    owner_id: int | None = None  # a new one's owner, or a known one's new owner
    owner_changes: bool = False
    owner_given: bool = False  # the row names the owner (not the importer's default)
    external_id: str | None = None  # set on it (new, or known without one)
    aliases: list[str] = field(default_factory=list)  # new ones
    rename: bool = False
    duplicate_of: Place | None = None  # a customers sheet's row that says nothing new


class Planner:
    def __init__(
        self,
        plan: Plan,
        known: Known,
        *,
        pipeline: Pipeline,
        tz: ZoneInfo,
        day_start: time,
        currency: str,
        default_owner_id: int | None,
    ) -> None:
        self.plan, self.known, self.pipeline = plan, known, pipeline
        self.tz, self.day_start, self.currency = tz, day_start, currency
        self.default_owner_id = default_owner_id
        self.step_by_key: dict[str, int] = {}  # a name or alias key → customer step
        self.step_by_id: dict[int, int] = {}
        self.step_by_external: dict[str, int] = {}
        self.defined_at: dict[int, Place] = {}  # step → its first row on a customers sheet
        self.owner_from: dict[int, Place] = {}  # step → the row its owner comes from
        self.deal_seen: dict[tuple[int | str, str], tuple[Place, tuple[object, ...]]] = {}
        self.contact_seen: dict[tuple[int | str, str], tuple[Place, tuple[object, ...]]] = {}

    # --- one row ---------------------------------------------------------------------------

    def take(self, row: RowIn) -> None:
        self.plan.rows += 1
        owner_id = self._owner(row)
        match = self._customer(row, owner_id) if not row.bad_fields & {"customer"} else None
        deal = self._deal(row, match, owner_id) if match and row.has_deal else None
        contact = self._contact(row, match) if match and row.has_contact else None
        if row.problems:
            self.plan.problems.extend(row.problems)
            return
        assert match is not None
        step = self._commit_customer(row, match)
        if isinstance(deal, DealStep):
            deal.customer = step
            self.plan.deals.append(deal)
            self.deal_seen[(step, name_key(deal.title))] = (row.place, _deal_sign(deal))
        elif isinstance(deal, Skip):
            self.plan.skipped.append(deal)
        if isinstance(contact, ContactStep):
            contact.customer = step
            self.plan.contacts.append(contact)
            self.contact_seen[(step, name_key(contact.name))] = (row.place, _contact_sign(contact))
        elif isinstance(contact, Skip):
            self.plan.skipped.append(contact)

    def _owner(self, row: RowIn) -> int | None:
        if row.owner is None:
            return None
        found = self.known.people().get(name_key(row.owner.lstrip("@")), set())
        if len(found) == 1:
            return next(iter(found))
        if not found:
            self.plan.unknown_owners.setdefault(row.owner, []).append(row.place)
            row.problem("owner", "unknown_owner")
        else:
            row.problem("owner", "ambiguous_owner", count=len(found))
        return None

    # --- the customer ----------------------------------------------------------------------

    def _customer(self, row: RowIn, owner_id: int | None) -> Match | None:
        key = name_key(row.customer) if row.customer else None
        by_external = self._by_external(row.external_id)
        by_name = self._by_name(key)
        if by_external and by_name and by_external != by_name:
            row.problem("external_id", "external_id_elsewhere", name=self._name_of(by_name))
            return None
        found = by_external or by_name
        if found is None:
            return self._new_customer(row, owner_id)
        match = Match(step=found[1] if found[0] == "step" else None)
        match.id = found[1] if found[0] == "id" else None
        current = self._current(match)
        match.name = current[0]
        if by_external and not by_name and row.customer and row.defines_customer:
            match.rename, match.name = True, row.customer
        if row.external_id and not by_external:
            if current[2] and current[2] != row.external_id:
                row.problem("external_id", "external_id_differs", known=current[2])
            else:
                match.external_id = row.external_id
        if row.defines_customer:
            self._describe(row, match, owner_id, current[1])
        return match

    def _by_external(self, external_id: str | None) -> tuple[str, int] | None:
        if not external_id:
            return None
        if (step := self.step_by_external.get(external_id)) is not None:
            return ("step", step)
        if (known := self.known.by_external.get(external_id)) is not None:
            return ("step", self.step_by_id[known]) if known in self.step_by_id else ("id", known)
        return None

    def _by_name(self, key: str | None) -> tuple[str, int] | None:
        if not key:
            return None
        if (step := self.step_by_key.get(key)) is not None:
            return ("step", step)
        if (known := self.known.customer_named(key)) is not None:
            return ("step", self.step_by_id[known]) if known in self.step_by_id else ("id", known)
        return None

    def _name_of(self, found: tuple[str, int]) -> str:
        kind, n = found
        return self.plan.customers[n].name if kind == "step" else self.known.customers[n].name

    def _current(self, match: Match) -> tuple[str, int | None, str | None]:
        """(name, owner id, external id) as the store and the rows before this one leave it."""
        if match.step is not None:
            s = self.plan.customers[match.step]
            return s.name, s.owner_id, s.external_id
        c: Customer = self.known.customers[match.id or 0]
        return c.name, c.owner_id, c.external_id

    def _describe(self, row: RowIn, match: Match, owner_id: int | None, owner: int | None) -> None:
        """A customers (or mixed) sheet's row on a customer already named: its owner and
        aliases; the same row again on a customers sheet is said to be a duplicate."""
        step = match.step
        if owner_id is not None:
            match.owner_given = True
            first = self.owner_from.get(step) if step is not None else None
            if owner_id != owner and first is not None:
                row.problem("owner", "conflicts_with", row=first.row)
            elif owner_id != owner:
                match.owner_id, match.owner_changes = owner_id, True
        keys = self._keys_of(match)
        for alias in row.aliases:
            key = name_key(alias)
            if key in keys:
                continue
            other = self._by_name(key)
            if other is not None:
                row.problem("aliases", "alias_taken", alias=alias, name=self._name_of(other))
                continue
            keys.add(key)
            match.aliases.append(alias)
        first_row = self.defined_at.get(step) if step is not None else None
        nothing_new = not (match.owner_changes or match.aliases or match.rename)
        if row.kind == "customers" and first_row is not None and nothing_new:
            match.duplicate_of = first_row

    def _keys_of(self, match: Match) -> set[str]:
        if match.step is not None:
            s = self.plan.customers[match.step]
            keys = {name_key(s.name), *(name_key(a) for a in s.aliases)}
            if s.id is not None:
                keys |= {name_key(self.known.customers[s.id].name)}
                keys |= self.known.alias_keys.get(s.id, set())
            return keys
        customer = self.known.customers[match.id or 0]
        return {customer.name_key} | self.known.alias_keys.get(customer.id, set())

    def _new_customer(self, row: RowIn, owner_id: int | None) -> Match | None:
        if row.customer is None:  # named by an external id nobody has
            row.problem("customer", "missing_customer")
            return None
        near = self.known.same_core(row.customer)
        if near is not None:
            row.problem("customer", "near_customer", name=near.name)
        owner = owner_id or self.default_owner_id
        if owner is None and "owner" not in row.bad_fields:
            row.problem("owner", "missing_owner")
        match = Match(
            name=row.customer,
            owner_id=owner,
            external_id=row.external_id,
            owner_given=owner_id is not None,
        )
        keys = {name_key(row.customer)}
        for alias in row.aliases:
            key = name_key(alias)
            if key in keys:
                continue
            if (other := self._by_name(key)) is not None:
                row.problem("aliases", "alias_taken", alias=alias, name=self._name_of(other))
                continue
            keys.add(key)
            match.aliases.append(alias)
        return match

    def _commit_customer(self, row: RowIn, match: Match) -> int:
        """The customer's step, made or brought up to date with what this row says."""
        if match.step is None:
            known = self.known.customers.get(match.id) if match.id is not None else None
            step = CustomerStep(
                place=row.place,
                id=match.id,
                name=known.name if known else match.name,
                owner_id=known.owner_id if known else match.owner_id,
                external_id=known.external_id if known else match.external_id,
            )
            if known is not None:
                step.before = _customer_state(known.name, known.owner_id, known.external_id)
            self.plan.customers.append(step)
            match.step = len(self.plan.customers) - 1
            self._register(match.step, step.name, step.external_id, step.id)
        n = match.step
        step = self.plan.customers[n]
        if match.duplicate_of is not None:
            self.plan.skipped.append(
                Skip(
                    row.place.sheet,
                    row.place.row,
                    "customers",
                    "duplicate",
                    {"row": match.duplicate_of.row},
                )
            )
            return n
        if match.rename and step.id is not None:
            old = step.name
            step.name, step.rename = match.name, True
            step.changed.add("name")
            step.aliases.append(old)  # the old name still finds it, in chat and next imports
            self._register(n, match.name, None, None)
        if match.owner_changes:
            step.owner_id = match.owner_id
            if step.id is not None:
                step.changed.add("owner_id")
        if match.owner_given:  # later rows that name another owner for it conflict with this
            self.owner_from.setdefault(n, row.place)
        if match.external_id and not step.external_id:
            step.external_id = match.external_id
            if step.id is not None:
                step.changed.add("external_id")
            self.step_by_external[match.external_id] = n
        for alias in match.aliases:
            step.aliases.append(alias)
            self.step_by_key[name_key(alias)] = n
            if step.id is not None:
                step.changed.add("aliases")
        if row.kind == "customers":
            self.defined_at.setdefault(n, row.place)
        return n

    def _register(self, n: int, name: str, external_id: str | None, known_id: int | None) -> None:
        self.step_by_key[name_key(name)] = n
        if external_id:
            self.step_by_external[external_id] = n
        if known_id is not None:
            self.step_by_id[known_id] = n
            for key in self.known.alias_keys.get(known_id, ()):
                self.step_by_key[key] = n

    # --- the deal --------------------------------------------------------------------------

    def _deal(self, row: RowIn, match: Match, owner_id: int | None) -> DealStep | Skip | None:
        title = row.deal or row.customer or match.name
        key = name_key(title)
        token: int | str = match.step if match.step is not None else f"id:{match.id}"
        customer_owner = match.owner_id or self._current_owner(match)
        deal_owner = owner_id if row.kind == "deals" else None
        known = self._known_deals(match, key)
        open_ = [d for d in known if d.status == "open"]
        if len(open_) > 1:
            row.problem("deal", "ambiguous_deal", deals=[d.id for d in open_])
            return None
        existing = open_[0] if open_ else (known[-1] if known else None)
        stage = row.stage or (
            self.pipeline.get(existing.stage) if existing else self.pipeline.first
        )
        amount = row.amount.value if row.amount else (existing.amount if existing else None)
        written = (row.amount.currency or row.currency) if row.amount else None
        currency = written or (existing.currency if existing else None) or self.currency
        close = (
            values.close_moment(row.close, self.tz, self.day_start)
            if row.close
            else (existing.expected_close if existing else None)
        )
        step = DealStep(
            place=row.place,
            customer=-1,
            id=existing.id if existing else None,
            title=existing.title if existing else title,
            stage=stage.key,
            amount=amount,
            currency=currency,
            tax_note=row.amount.tax if row.amount else (existing.tax_note if existing else None),
            expected_close=close,
            owner_id=deal_owner or (existing.owner_id if existing else customer_owner),
        )
        first = self.deal_seen.get((token, key))
        if first is not None:
            if first[1] == _deal_sign(step):
                return Skip(
                    row.place.sheet, row.place.row, "deals", "duplicate", {"row": first[0].row}
                )
            row.problem("deal", "conflicts_with", row=first[0].row)
            return None
        if existing is not None and existing.status != "open":
            return self._closed(row, existing, stage, step)
        if stage.closed:
            reason = "close_in_chat" if existing else "closed_not_imported"
            return Skip(
                row.place.sheet,
                row.place.row,
                "deals",
                reason,
                {"deal": existing.id if existing else None, "stage": stage.key},
            )
        if "amount" in stage.requires and amount is None:
            row.problem("stage", "stage_requires_amount")
            return None
        if existing is not None:
            step.changed = _deal_changes(existing, step, self.tz)
        return step

    def _closed(self, row: RowIn, existing: Deal, stage: Stage, step: DealStep) -> DealStep | Skip:
        """A deal already won or lost is never changed nor reopened by an import."""
        if stage.key == existing.stage and not _deal_changes(existing, step, self.tz):
            return step  # the same, as an export of it says: unchanged
        return Skip(
            row.place.sheet,
            row.place.row,
            "deals",
            "closed_deal",
            {"deal": existing.id, "status": existing.status},
        )

    def _current_owner(self, match: Match) -> int | None:
        return self._current(match)[1] if (match.step is not None or match.id) else None

    def _known_deals(self, match: Match, key: str) -> list[Deal]:
        customer_id = match.id
        if match.step is not None:
            customer_id = self.plan.customers[match.step].id
        if customer_id is None:
            return []
        return [d for d in self.known.deals.get(customer_id, ()) if name_key(d.title) == key]

    # --- the contact -----------------------------------------------------------------------

    def _contact(self, row: RowIn, match: Match) -> ContactStep | Skip | None:
        if row.contact is None:
            return None
        key = name_key(row.contact)
        token: int | str = match.step if match.step is not None else f"id:{match.id}"
        customer_id = match.id
        if match.step is not None:
            customer_id = self.plan.customers[match.step].id
        known = [
            c for c in self.known.contacts.get(customer_id or 0, ()) if name_key(c.name) == key
        ]
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
        first = self.contact_seen.get((token, key))
        if first is not None:
            if first[1] == _contact_sign(step):
                return Skip(
                    row.place.sheet, row.place.row, "contacts", "duplicate", {"row": first[0].row}
                )
            row.problem("contact", "conflicts_with", row=first[0].row)
            return None
        if existing is not None:
            step.changed = {
                f for f in ("title", "phone", "email") if getattr(step, f) != getattr(existing, f)
            }
        return step


def _customer_state(name: str, owner_id: int | None, external_id: str | None) -> dict[str, object]:
    return {"name": name, "owner_id": owner_id, "external_id": external_id}


def _deal_sign(step: DealStep) -> tuple[object, ...]:
    amount = None if step.amount is None else Decimal(step.amount).normalize()
    return (step.stage, amount, step.currency, step.expected_close, step.owner_id)


def _contact_sign(step: ContactStep) -> tuple[object, ...]:
    return (step.title, step.phone, step.email)


def _deal_changes(deal: Deal, step: DealStep, tz: ZoneInfo) -> set[str]:
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
