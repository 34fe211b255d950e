"""The export (issue 21): the records a person may see, as a spreadsheet. `dealbot export` calls
it for everything; `/export` (`/导出`) in chat for the one who asked, and sends the file to them.

Public API (the chat command and the command line call exactly this):

    KINDS = ("customers", "deals", "contacts", "touches", "tasks", "questions", "requirements",
             "approvals", "payments", "receipts", "milestones")

    build_export(session, *, tenant_id, viewer_id, what, fmt, locale, tz, now,
                 pipeline=None, words=None) -> ExportFile

- `viewer_id`: whose reach (bot/reach.py) decides what is in it: a rep their own customers
  (and those they collaborate on), a manager their teams', an admin everything; None:
  everything (the command line).
- `what`: kind names, English (`KINDS`) or Chinese (客户, 商机, 联系人, 跟进记录, 待办, 问题, 需求,
  审批, 回款计划, 已回款, 里程碑), or the sheet titles; an item may hold several separated by
  commas or spaces ("customers,deals"). None: every kind. An unknown name → ValueError naming
  the known ones.
- `fmt`: "xlsx" (one sheet per kind) or "csv" (one kind: a UTF-8 CSV with a BOM; several: a
  .zip of one such CSV per kind).
- `locale`: the headers' and values' language ("en", "zh_CN"); `tz`: the zone dates and times
  are written in (the tenant's); `now`: the day in the file's name.
- `pipeline`: the stages whose names the Stage column shows (default: the default stages);
  `words`: the templates (default: messages/).

ExportFile.name is "dealbot-export-2026-12-07.xlsx" (or .csv, or .zip); `counts` the rows
written per kind, in the order written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n import Words
from bot.pipeline import Pipeline
from bot.reach import Reach, of
from bot.sheets import export_process, export_sales
from bot.sheets.export_files import csv_bytes, csv_zip, xlsx_bytes
from bot.sheets.headers import SHEETS
from bot.sheets.table import Reader, Table
from storage.models import Person, Tenant

KINDS = (
    "customers",
    "deals",
    "contacts",
    "touches",
    "tasks",
    "questions",
    "requirements",
    "approvals",
    "payments",
    "receipts",
    "milestones",
)

# what people type for a kind, besides its English name and its sheet titles
_SPOKEN = {
    "客户": "customers",
    "商机": "deals",
    "联系人": "contacts",
    "跟进记录": "touches",
    "跟进": "touches",
    "待办": "tasks",
    "问题": "questions",
    "需求": "requirements",
    "审批": "approvals",
    "回款计划": "payments",
    "已回款": "receipts",
    "回款": "receipts",
    "里程碑": "milestones",
}

FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class ExportFile:
    name: str  # dealbot-export-2026-12-07.xlsx / .csv / .zip
    data: bytes
    counts: dict[str, int] = field(default_factory=dict)  # kind → rows, in the order written


@cache
def _names() -> dict[str, str]:
    names = {kind.casefold(): kind for kind in KINDS}
    for kind, titles in SHEETS.items():
        names.update({title.casefold(): kind for title in titles.values()})
    names.update(_SPOKEN)
    return names


def kinds(what: Sequence[str] | None) -> tuple[str, ...]:
    """The kinds `what` names, in the order of KINDS, each once; ValueError for an unknown one."""
    if what is None:
        return KINDS
    names = _names()
    wanted: set[str] = set()
    unknown: list[str] = []
    for item in what:
        for word in re.split(r"[,，、;；\s]+", item.strip()):
            if not word:
                continue
            kind = names.get(word.casefold())
            if kind is None:
                unknown.append(word)
            else:
                wanted.add(kind)
    if unknown:
        raise ValueError(
            f"unknown kind {', '.join(map(repr, unknown))}; known: {', '.join(KINDS)} "
            f"({', '.join(k for k, v in _SPOKEN.items() if v)})"
        )
    if not wanted:
        raise ValueError(f"no kind named; known: {', '.join(KINDS)}")
    return tuple(k for k in KINDS if k in wanted)


def tenant_named(session: Session, wanted: str | None) -> Tenant:
    """The tenant `wanted` names (its id, or its name in any case), or the only one; else a
    ValueError listing them (the command line's --tenant)."""
    tenants = list(session.scalars(select(Tenant).order_by(Tenant.id)))
    if not tenants:
        raise ValueError("there is no tenant in this store yet")
    if wanted is None and len(tenants) == 1:
        return tenants[0]
    folded = (wanted or "").strip().casefold()
    hits = [t for t in tenants if str(t.id) == folded or t.name.casefold() == folded]
    if wanted is not None and len(hits) == 1:
        return hits[0]
    listed = "; ".join(f"{t.id} {t.name}" for t in tenants)
    said = "several tenants" if wanted is None else f"no single tenant {wanted!r}"
    raise ValueError(f"{said}: {listed}")


def viewer_reach(session: Session, tenant_id: int, viewer_id: int | None) -> Reach:
    """What `viewer_id` may see (bot/reach.py); None: everything."""
    if viewer_id is None:
        return Reach(0, None)
    person = session.get(Person, viewer_id)
    if person is None or person.tenant_id != tenant_id:
        raise ValueError(f"person {viewer_id} is not in tenant {tenant_id}")
    return of(session, person)


def build_export(
    session: Session,
    *,
    tenant_id: int,
    viewer_id: int | None,
    what: Sequence[str] | None,
    fmt: str,
    locale: str,
    tz: str,
    now: datetime,
    pipeline: Pipeline | None = None,
    words: Words | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ExportFile:
    """The file of the kinds `what` names, as `viewer_id` may see them (see the module's text).
    `progress(done, total, kind)`: told as each kind is read, and once the file is written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    chosen = kinds(what)
    zone = ZoneInfo(tz)  # an unknown zone fails here, before any query
    say = words or _words()
    said: dict[tuple[str, str], str] = {}

    def word(kind: str, stored: str) -> str:  # a status's words, rendered once per export
        if (kind, stored) not in said:
            said[kind, stored] = say(locale, "sheet_words.value", kind=kind, stored=stored)
        return said[kind, stored]

    reader = Reader(
        session=session,
        tenant_id=tenant_id,
        reach=viewer_reach(session, tenant_id, viewer_id),
        zone=zone,
        locale=locale,
        pipeline=pipeline or Pipeline(),
        word=word,
    )
    tell = progress or (lambda done, total, kind: None)
    tables = []
    for n, kind in enumerate(chosen):
        tell(n, len(chosen) + 1, kind)  # the file itself is the last step
        tables.append(GATHER[kind](reader))
    tell(len(chosen), len(chosen) + 1, fmt)
    counts = {t.kind: len(t.rows) for t in tables}
    stem = f"dealbot-export-{now.astimezone(zone):%Y-%m-%d}"
    if fmt == "xlsx":
        made = ExportFile(f"{stem}.xlsx", xlsx_bytes(tables, locale, tz), counts)
    elif len(tables) == 1:
        made = ExportFile(f"{stem}.csv", csv_bytes(tables[0], locale, tz), counts)
    else:
        made = ExportFile(f"{stem}.zip", csv_zip(tables, locale, tz), counts)
    tell(len(chosen) + 1, len(chosen) + 1, "")
    return made


GATHER: dict[str, Callable[[Reader], Table]] = {
    "customers": export_sales.customers,
    "deals": export_sales.deals,
    "contacts": export_sales.contacts,
    "touches": export_sales.touches,
    "tasks": export_sales.tasks,
    "questions": export_sales.questions,
    "requirements": export_sales.requirements,
    "approvals": export_process.approvals,
    "payments": export_process.payments,
    "receipts": export_process.receipts,
    "milestones": export_process.milestones,
}


@cache
def _words() -> Words:
    return Words()
