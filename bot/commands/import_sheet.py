"""/import (/导入) with a spreadsheet: customers, their open deals and contacts from an .xlsx or
a .csv sent to the bot — the same report `dealbot import` prints, then a card to confirm.

How the file arrives is each platform's business: its parse fetches what was sent into
`Event.upload` (bot/uploads.py says which files are worth fetching). A file sent with no
command — a spreadsheet dropped into a direct chat with the bot, which some platforms send
with no text at all — is /import too (bot/handler.py). Without a file, /import says how to
send one.

Only admins and managers import. The file is kept (storage/files.py, kind "import") until its
card is decided: Import (or "Import the good rows" when some rows have problems, which leaves
those out) reads the kept file again, plans again in that transaction and writes; Cancel
drops it. Either is done once (`StoredFile.settled`, the row locked while it is decided), and
only by whoever sent the file, or an admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import uploads
from bot.commands.command import Action, Command
from bot.context import Context
from bot.events import Upload
from bot.grammar.line import Line
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Button, Card, CardUpdate, Outcome
from bot.sheets import importing
from bot.sheets.columns import MapError
from bot.sheets.plans import Plan
from bot.sheets.read import Limits, SheetError, Workbook, read_table
from storage import files
from storage.files import StoredFile

IMPORTERS = ("admin", "manager")
IMPORTED, CANCELLED = "imported", "cancelled"  # StoredFile.settled


@dataclass(frozen=True, kw_only=True)
class ImportAsked(Intent):
    """/import, or a file sent without a command; the file itself is the event's upload."""


@dataclass(frozen=True, kw_only=True)
class ImportPress:
    """`import.go:<file id>[:1]` (1: leave the rows with problems out), `import.cancel:<id>`."""

    file_id: int
    skip_bad_rows: int = 0


def parse(line: Line, tokens: list[Token]) -> Intent:
    return ImportAsked()  # whatever follows /import is the file's caption, not an argument


def _limits() -> dict[str, int]:
    limits = Limits()
    return {"limit_mb": limits.max_bytes // (1024 * 1024), "max_rows": limits.max_rows}


def import_sheet(ctx: Context, intent: ImportAsked) -> Outcome:
    if ctx.me.role not in IMPORTERS:
        return Outcome().reply(ctx.t("import.not_allowed"), private=True)
    upload = ctx.event.upload
    if upload is None:
        return Outcome().reply(ctx.t("import.how", **_limits()), private=True)
    if upload.refused or upload.data is None:
        return _refused(ctx, upload)
    try:
        table = read_table(upload.data, upload.name, limits=Limits())
        made = _plan(ctx, table)
    except (SheetError, MapError) as e:
        return Outcome().reply(_unreadable(ctx, upload.name, e), private=True)
    file_id = files.keep(
        ctx.session,
        tenant_id=ctx.tenant.id,
        kind="import",
        name=upload.name,
        data=upload.data,
        now=ctx.now,
        person_id=ctx.me.id,
    )
    out = Outcome().reply(importing.report(made, ctx.words, ctx.locale))
    return out.reply(card=_card(ctx, file_id, made))


def _refused(ctx: Context, upload: Upload) -> Outcome:
    reason = upload.refused or uploads.FETCH_FAILED
    text = ctx.t("import.refused", reason=reason, name=upload.name, size=upload.size, **_limits())
    return Outcome().reply(text, private=True)


def _unreadable(ctx: Context, name: str, error: SheetError | MapError) -> str:
    return ctx.t("import.unreadable", name=name, why=error.text(ctx.words, ctx.locale))


def _plan(ctx: Context, table: Workbook) -> Plan:
    return importing.plan(
        ctx.session,
        tenant_id=ctx.tenant.id,
        table=table,
        pipeline=ctx.settings.pipeline,
        now=ctx.now,
        day_start=ctx.settings.day_start,
        actor_id=ctx.me.id,
    )


def _changes(made: Plan) -> int:
    return sum(t.create + t.update for t in made.tallies.values())


def _card(ctx: Context, file_id: int, made: Plan) -> Card:
    """Import / Cancel under the report; "Import the good rows" when some rows have problems;
    no Import at all when there is nothing it would change."""
    said = {
        "name": made.file,
        "tallies": list(made.tallies.items()),
        "bad_rows": len(made.bad_rows),
        "changes": _changes(made),
    }
    body = ctx.t("import.card_body", **said)
    buttons: list[Button] = []
    if said["changes"]:
        skip = 1 if made.problems else 0
        label = "import.button_good_rows" if skip else "import.button_go"
        press = ImportPress(file_id=file_id, skip_bad_rows=skip)
        buttons.append(Button(id=GO.id(press), label=ctx.t(label), style="primary"))
    cancel = CANCEL.id(ImportPress(file_id=file_id))
    buttons.append(Button(id=cancel, label=ctx.t("import.button_cancel")))
    title = ctx.t("import.card_title", name=made.file)
    return Card(
        key=f"import:{file_id}",
        title=title,
        body=body,
        buttons=tuple(buttons),
        fallback=f"{title}\n{body}",
        tone="waiting" if said["changes"] else "info",
    )


def _decided(ctx: Context, press: ImportPress) -> tuple[StoredFile | None, Outcome | None]:
    """The kept file, locked, when this press may decide it; else the answer to the press."""
    row = ctx.row(StoredFile, press.file_id, lock=True)  # a second press waits, then sees it
    if row is None or row.kind != "import":
        return None, Outcome().reply(ctx.t("import.gone"), private=True)
    if ctx.me.role not in IMPORTERS or (row.person_id != ctx.me.id and ctx.me.role != "admin"):
        return None, Outcome().reply(ctx.t("import.not_yours", name=row.name), private=True)
    if row.settled:
        return None, Outcome().reply(
            ctx.t("import.already", name=row.name, settled=row.settled), private=True
        )
    return row, None


def go(ctx: Context, press: ImportPress) -> Outcome:
    row, answer = _decided(ctx, press)
    if row is None:
        return answer or Outcome()
    try:
        made = _plan(ctx, read_table(row.data, row.name, limits=Limits()))
        done = importing.apply(
            ctx.session,
            tenant_id=ctx.tenant.id,
            plan=made,
            actor_id=ctx.me.id,
            now=ctx.now,
            skip_bad_rows=bool(press.skip_bad_rows),
        )
    except (SheetError, MapError) as e:  # it read before: only a newer version reads it not
        return Outcome().reply(_unreadable(ctx, row.name, e), private=True)
    except importing.ImportRefused as refused:  # new problems since the report: show them
        out = Outcome().reply(importing.report(refused.plan, ctx.words, ctx.locale))
        return out.reply(card=_card(ctx, row.id, refused.plan))
    row.settled = IMPORTED
    title = ctx.t("import.done_title", name=row.name, by=ctx.me)
    out = Outcome().reply(importing.report(done, ctx.words, ctx.locale))
    shown = Card(key=f"import:{row.id}", title=title, fallback=title, tone="done")
    out.updates.append(CardUpdate(card=shown))
    return out


def cancel(ctx: Context, press: ImportPress) -> Outcome:
    row, answer = _decided(ctx, press)
    if row is None:
        return answer or Outcome()
    row.settled = CANCELLED
    title = ctx.t("import.cancelled_title", name=row.name, by=ctx.me)
    out = Outcome()
    out.updates.append(CardUpdate(card=Card(key=f"import:{row.id}", title=title, fallback=title)))
    return out


GO = Action(act="import.go", args=ImportPress, run=go)
CANCEL = Action(act="import.cancel", args=ImportPress, run=cancel)

COMMAND = Command(
    key="import",
    en=("import",),
    zh=("导入",),
    parse=parse,
    handles={ImportAsked: import_sheet},
    buttons=(GO, CANCEL),
)
