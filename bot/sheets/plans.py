"""What an import would do, before it does it (bot/sheets/importing.py): counts per kind,
every problem with its place, the owners nobody knows, the rows left out and why — and the
steps `apply` takes, each with the row it comes from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from bot.pipeline import Pipeline

KINDS = ("customers", "deals", "contacts")


@dataclass
class Tally:
    """One kind's rows: what is created, updated, already so, and left out (not problems)."""

    create: int = 0
    update: int = 0
    unchanged: int = 0
    skip: int = 0


@dataclass(frozen=True)
class Place:
    sheet: str  # "" for a CSV
    row: int


@dataclass(frozen=True)
class Problem:
    """A value that stops its row: where (sheet, row, the column's header), the value as
    written, and why — `reason`, a key of messages/<locale>/sheets.j2, with its `params`."""

    sheet: str
    row: int
    column: str
    value: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Skip:
    """A row (or its deal or contact) left out on purpose, which is not a problem: the same
    as an earlier row, or a closed deal an import does not touch."""

    sheet: str
    row: int
    kind: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class CustomerStep:
    """A customer the file names: new (`id` None) or known, and what changes on it."""

    place: Place
    id: int | None
    name: str
    owner_id: int | None
    external_id: str | None
    aliases: list[str] = field(default_factory=list)  # new ones only
    rename: bool = False  # matched by its external id under another name: renamed
    changed: set[str] = field(default_factory=set)  # fields of a known one that change
    before: dict[str, Any] | None = None


@dataclass
class DealStep:
    place: Place
    customer: int  # index in Plan.customers
    id: int | None
    title: str
    stage: str
    amount: Decimal | None
    currency: str
    tax_note: str | None
    expected_close: datetime | None
    owner_id: int | None
    changed: set[str] = field(default_factory=set)


@dataclass
class ContactStep:
    place: Place
    customer: int
    id: int | None
    name: str
    title: str | None
    phone: str | None
    email: str | None
    changed: set[str] = field(default_factory=set)


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


@dataclass(frozen=True)
class Inputs:
    """What a plan was made from, so that `apply` in another session can make it again."""

    table: Any  # bot.sheets.read.Workbook
    pipeline: Pipeline
    mapping: dict[str, str]
    now: datetime
    day_start: time
    actor_id: int | None
    default_owner_id: int | None


@dataclass
class Plan:
    file: str
    tenant_id: int
    inputs: Inputs
    tallies: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in KINDS})
    problems: list[Problem] = field(default_factory=list)
    # owners nobody knows: the name as written → where (listed once each, never created)
    unknown_owners: dict[str, list[Place]] = field(default_factory=dict)
    skipped: list[Skip] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rows: int = 0  # data rows read
    customers: list[CustomerStep] = field(default_factory=list)
    deals: list[DealStep] = field(default_factory=list)
    contacts: list[ContactStep] = field(default_factory=list)
    session_token: object = None  # the session it was made in (apply makes it again elsewhere)

    @property
    def bad_rows(self) -> list[Place]:
        """The rows with a problem, each once, in order."""
        return sorted({Place(p.sheet, p.row) for p in self.problems}, key=_order)


def _order(place: Place) -> tuple[str, int]:
    return (place.sheet, place.row)


@dataclass
class Applied:
    """What an import wrote: its plan (whose tallies are what was done), and how many rows
    with problems it left out (with --skip-bad-rows)."""

    plan: Plan
    left_out: int = 0
    audit_entries: int = 0


class ImportRefused(Exception):
    """The plan has problems and bad rows were not to be skipped: nothing was written."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(f"{len(plan.problems)} problems")
        self.plan = plan
