"""Importing customers, their open deals and contacts from a spreadsheet: `dealbot import`
(adapters/cli/sheets.py) and /import in chat build on these four calls.

    from bot.sheets.read import Limits, SheetError, read_table
    from bot.sheets.importing import ImportRefused, apply, plan, report

    table = read_table(data, "customers.xlsx", limits=Limits())     # raises SheetError
    p = plan(session, tenant_id=t, table=table, pipeline=settings.pipeline,
             mapping={"Kunde": "customer"}, now=now)                  # reads only
    print(report(p, words, "zh_CN"))                                  # the report, first
    done = apply(session, tenant_id=t, plan=p, actor_id=me, now=now,
                 skip_bad_rows=False)                                  # raises ImportRefused
    print(report(done, words, "zh_CN"))

- `read_table(data, name, *, limits)` → Workbook (bot/sheets/read.py): .xlsx or a CSV in
  UTF-8 (BOM or not), UTF-16 or GB18030; hostile files refused early, in one line
  (`SheetError.key`, `.params`; `.text(words, locale)` words it).
- `plan(session, *, tenant_id, table, pipeline, mapping=None, now, day_start=09:00,
  actor_id=None, default_owner_id=None, progress=None)` → Plan (bot/sheets/plans.py): per kind (customers,
  deals, contacts) how many rows would be created, updated, left unchanged or skipped; every
  problem with its sheet, row, column header, value and reason; the owners nobody knows, once
  each with their rows. Writes nothing. A new customer's owner is the row's, else
  `default_owner_id`, else `actor_id`; with none of them the row has a problem (never made up).
  Raises MapError (a --map that names no column or no field) and SheetError (no column names
  the customer).
- `apply(session, *, tenant_id, plan, actor_id, now, skip_bad_rows=False)` → Applied: writes
  the plan in the caller's transaction (the caller commits), with an audit entry for every
  customer and deal it creates or changes (customer.import, deal.import: history says they
  were imported, from which file and row). Raises ImportRefused when the plan has problems
  and `skip_bad_rows` is False. A plan made in another session (chat: the report, then a
  confirmation) is made again here first, so it never writes from a stale read.
- `report(plan_or_applied, words, locale)` → the report's text in `locale`
  (messages/<locale>/sheets.j2).

Matching: a row's external id first (customers.external_id), then its customer's name or an
alias (storage.names.name_key); deals by (customer, deal name), contacts by (customer,
contact name). Re-importing a file changes nothing. An amount without a currency is in the
tenant's currency; an expected close is a day, kept as /deal … close keeps it. Won and lost
deals are never changed by an import, nor are deals closed by one (that is said in chat, where
the stage's checklist applies).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.pipeline import Pipeline
from bot.sheets import writing
from bot.sheets.columns import MapError, find_header, recognise, unmapped
from bot.sheets.known import Known, name_key
from bot.sheets.planning import Planner
from bot.sheets.plans import KINDS, Applied, ImportRefused, Inputs, Plan
from bot.sheets.read import SheetError, Workbook, sheet_kinds
from bot.sheets.rows import MIXED, Reading, RowIn, read_rows
from storage.models import Tenant

__all__ = ["Applied", "ImportRefused", "MapError", "Plan", "apply", "plan", "report"]

SHEET_ORDER = ("customers", MIXED, "deals", "contacts")  # customers first: deals name them
PROGRESS_EVERY = 2_000


def plan(
    session: Session,
    *,
    tenant_id: int,
    table: Workbook,
    pipeline: Pipeline,
    mapping: Mapping[str, str] | None = None,
    now: datetime,
    day_start: time = time(9, 0),
    actor_id: int | None = None,
    default_owner_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """What importing `table` into the tenant would do; reads only (see the module's doc).
    `progress(rows)` is told how many rows are planned, every PROGRESS_EVERY rows."""
    tenant = session.get_one(Tenant, tenant_id)
    inputs = Inputs(
        table=table,
        pipeline=pipeline,
        mapping=dict(mapping or {}),
        now=now,
        day_start=day_start,
        actor_id=actor_id,
        default_owner_id=default_owner_id,
    )
    made = Plan(file=table.name, tenant_id=tenant_id, inputs=inputs)
    made.session_token = weakref.ref(session)
    tz = ZoneInfo(tenant.timezone)
    rows = _read(made, table, Reading(pipeline=pipeline, now=now, tz=tz))
    known = Known(session, tenant_id)
    keys = {name_key(n) for r in rows for n in (r.customer, *r.aliases) if n}
    known.load(keys, {r.external_id for r in rows if r.external_id})
    planner = Planner(
        made,
        known,
        pipeline=pipeline,
        tz=tz,
        day_start=day_start,
        currency=tenant.currency,
        default_owner_id=default_owner_id or actor_id,
    )
    for n, row in enumerate(rows, 1):
        planner.take(row)
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n)
    _tally(made)
    return made


_plan_again = plan  # `apply` takes a parameter called plan


def _read(made: Plan, table: Workbook, reading: Reading) -> list[RowIn]:
    """Every sheet's rows, read by its header, customers' sheets first."""
    kinds = sheet_kinds()
    mapping = made.inputs.mapping
    starts = [find_header([r.cells for r in sheet.rows], mapping) for sheet in table.sheets]
    headers = [
        list(sheet.rows[at].cells) if sheet.rows else []
        for sheet, at in zip(table.sheets, starts, strict=True)
    ]
    # a --map naming a column no sheet has is a typo: said before anything else
    missing = [h for h in mapping if all(h in unmapped(head, mapping) for head in headers)]
    if missing:
        raise MapError("map_missing", header=missing[0])
    found: list[tuple[int, list[RowIn]]] = []
    for sheet, at, header in zip(table.sheets, starts, headers, strict=True):
        if not sheet.rows:
            continue
        kind = kinds.get(sheet.title.strip().casefold(), MIXED)
        columns = recognise(header, mapping)
        if not columns.has("customer", "external_id"):
            titles = ", ".join(t for t in columns.titles if t)[:200]
            raise SheetError("no_customer_column", sheet=sheet.title, headers=titles)
        made.ignored_columns += [c for c in columns.ignored if c not in made.ignored_columns]
        rows = list(read_rows(sheet, kind, columns, at, reading))
        found.append((SHEET_ORDER.index(kind), rows))
    found.sort(key=lambda pair: pair[0])
    return [row for _, rows in found for row in rows]


def _tally(made: Plan) -> None:
    t = made.tallies
    for step in made.customers:
        if step.id is None:
            t["customers"].create += 1
        elif step.changed:
            t["customers"].update += 1
        else:
            t["customers"].unchanged += 1
    for kind, steps in (("deals", made.deals), ("contacts", made.contacts)):
        for s in steps:
            bucket = "create" if s.id is None else "update" if s.changed else "unchanged"
            setattr(t[kind], bucket, getattr(t[kind], bucket) + 1)
    for skip in made.skipped:
        t[skip.kind].skip += 1


def apply(
    session: Session,
    *,
    tenant_id: int,
    plan: Plan,
    actor_id: int | None,
    now: datetime,
    skip_bad_rows: bool = False,
) -> Applied:
    """Write `plan` (see the module's doc); the caller commits."""
    made = plan
    token = made.session_token
    if made.tenant_id != tenant_id or not (callable(token) and token() is session):
        i = made.inputs
        made = _plan_again(
            session,
            tenant_id=tenant_id,
            table=i.table,
            pipeline=i.pipeline,
            mapping=i.mapping,
            now=i.now,
            day_start=i.day_start,
            actor_id=i.actor_id,
            default_owner_id=i.default_owner_id,
        )
    if made.problems and not skip_bad_rows:
        raise ImportRefused(made)
    return writing.write(session, made, actor_id=actor_id, now=now)


def report(plan_or_applied: Plan | Applied, words: Any, locale: str) -> str:
    """The report in `locale`: counts per kind, what was left out and why, every problem
    (the first ones, and how many more), the owners nobody knows."""
    applied = isinstance(plan_or_applied, Applied)
    made = plan_or_applied.plan if isinstance(plan_or_applied, Applied) else plan_or_applied
    owners = [(name, places) for name, places in made.unknown_owners.items()]
    problems = [p for p in made.problems if p.reason != "unknown_owner"]
    return str(
        words(
            locale,
            "sheets.report",
            file=made.file,
            applied=applied,
            rows=made.rows,
            tallies=[(kind, made.tallies[kind]) for kind in KINDS],
            problems=problems[:SHOWN],
            more_problems=max(0, len(problems) - SHOWN),
            bad_rows=len(made.bad_rows),
            owners=owners[:SHOWN],
            more_owners=max(0, len(owners) - SHOWN),
            skipped=made.skipped[:SHOWN],
            more_skipped=max(0, len(made.skipped) - SHOWN),
            ignored=made.ignored_columns,
            sheets=len(made.inputs.table.sheets) > 1,
            left_out=plan_or_applied.left_out if isinstance(plan_or_applied, Applied) else 0,
        )
    )


SHOWN = 30  # problems, owners and skipped rows a report lists; the rest are counted
