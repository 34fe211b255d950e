"""A file's rows, one after the other, matched against the store (bot/sheets/known.py) and
against the rows before them: which customer each names (its external id first, then its name
or an alias), what would be created or changed, and what stops a row. A row is all or nothing:
its problems are found before anything of it is planned, so with --skip-bad-rows a bad row
leaves no trace, and the rows after it see only the good ones."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from bot.pipeline import Pipeline
from bot.sheets.known import Known, name_key
from bot.sheets.planning_deals import (
    contact_sign,
    deal_key,
    deal_sign,
    plan_contact,
    plan_deal,
)
from bot.sheets.plans import ContactStep, CustomerStep, DealStep, Match, Place, Plan, Skip
from bot.sheets.rows import RowIn

OUTCOMES = ("won", "lost")


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
        # (customer step, deal or contact name key) → the first row of it, what it said
        self.deal_seen: dict[tuple[int, str], tuple[Place, tuple[object, ...]]] = {}
        self.contact_seen: dict[tuple[int, str], tuple[Place, tuple[object, ...]]] = {}

    # --- one row ---------------------------------------------------------------------------

    def take(self, row: RowIn) -> None:
        self.plan.rows += 1
        owner_id = self._owner(row)
        match = self._customer(row, owner_id) if not row.bad_fields & {"customer"} else None
        deal = plan_deal(self, row, match, owner_id) if match and row.has_deal else None
        contact = plan_contact(self, row, match) if match and row.has_contact else None
        if row.problems:
            self.plan.problems.extend(row.problems)
            return
        assert match is not None
        step = self._commit_customer(row, match)
        if isinstance(deal, DealStep):
            deal.customer = step
            self.plan.deals.append(deal)
            self.deal_seen[(step, deal_key(deal))] = (row.place, deal_sign(deal))
        elif isinstance(deal, Skip):
            self.plan.skipped.append(deal)
        if isinstance(contact, ContactStep):
            contact.customer = step
            self.plan.contacts.append(contact)
            self.contact_seen[(step, name_key(contact.name))] = (row.place, contact_sign(contact))
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
        current = self.current(match)
        match.name = current[0]
        if by_external and not by_name and row.customer:
            earlier = self.plan.customers[match.step] if match.step is not None else None
            if earlier is not None and (earlier.id is None or earlier.rename):
                # the file already gave this id to a customer of another name
                row.problem("customer", "conflicts_with", row=earlier.place.row)
                return None
            if row.defines_customer:  # the other system renamed it: so is it here
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

    def current(self, match: Match) -> tuple[str, int | None, str | None]:
        """(name, owner id, external id) as the store and the rows before this one leave it."""
        if match.step is not None:
            s = self.plan.customers[match.step]
            return s.name, s.owner_id, s.external_id
        if match.id is None:  # new with this row
            return match.name, match.owner_id, match.external_id
        c = self.known.customers[match.id]
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
        alone = not (row.has_deal or row.has_contact)  # a row for its deal is no duplicate
        if row.kind == "customers" and first_row is not None and nothing_new and alone:
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


def _customer_state(name: str, owner_id: int | None, external_id: str | None) -> dict[str, object]:
    return {"name": name, "owner_id": owner_id, "external_id": external_id}
