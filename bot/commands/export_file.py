"""/export [what] [csv|xlsx] (/导出 [客户,商机…] [csv]): the records the speaker may see, as a
spreadsheet sent to them in a direct message — never into the conversation, which others may
read — with a short answer here of what it holds. Everyone may export; what is in it is what
/customer and /pipeline would show them (bot/sheets/export.py, the speaker's reach).

`what`: kind names in English or Chinese, separated by commas or spaces (customers, deals,
contacts, touches, tasks, questions, requirements, approvals, payments, receipts, milestones;
客户 商机 联系人 跟进记录 待办 问题 需求 审批 回款计划 已回款 里程碑); none: every kind.
The format: xlsx (one sheet per kind) unless csv is written (several kinds: a zip of CSVs)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.commands.command import Command
from bot.context import Context
from bot.grammar.line import Line
from bot.intents import Intent
from bot.lexer import Token
from bot.outcome import Attachment, Outcome
from bot.sheets import export
from bot.sheets.headers import SHEETS
from storage import files

FORMATS = {"xlsx": "xlsx", "excel": "xlsx", "csv": "csv"}
SEPARATORS = re.compile(r"[,，、;；\s]+")  # as bot/sheets/export.py splits kind names


@dataclass(frozen=True, kw_only=True)
class ExportAsked(Intent):
    kinds: tuple[str, ...] | None  # None: every kind
    fmt: str
    unknown: tuple[str, ...] = ()  # words that name no kind (nothing is exported then)


def parse(line: Line, tokens: list[Token]) -> Intent:
    fmt = "xlsx"
    named: list[str] = []
    unknown: list[str] = []
    for word in SEPARATORS.split(line.from_(tokens)):
        if not word:
            continue
        if word.casefold() in FORMATS:
            fmt = FORMATS[word.casefold()]
            continue
        try:
            named.extend(export.kinds([word]))
        except ValueError:
            unknown.append(word)
    kinds = tuple(k for k in export.KINDS if k in named) or None
    return ExportAsked(kinds=kinds, fmt=fmt, unknown=tuple(unknown))


def export_file(ctx: Context, intent: ExportAsked) -> Outcome:
    if intent.unknown:
        names = {kind: SHEETS[kind][ctx.locale] for kind in export.KINDS}
        return Outcome().reply(
            ctx.t("export.unknown_kind", words=intent.unknown, names=names), private=True
        )
    made = export.build_export(
        ctx.session,
        tenant_id=ctx.tenant.id,
        viewer_id=ctx.me.id,
        what=intent.kinds,
        fmt=intent.fmt,
        locale=ctx.locale,
        tz=ctx.tenant.timezone,  # the team's zone, as the command line's: one file, one clock
        now=ctx.now,
        pipeline=ctx.settings.pipeline,
        words=ctx.words,
    )
    counts = [(SHEETS[kind][ctx.locale], n) for kind, n in made.counts.items()]
    if len(made.data) > files.MAX_BYTES:
        return Outcome().reply(
            ctx.t("export.too_big", size=len(made.data), counts=counts), private=True
        )
    file_id = files.keep(
        ctx.session,
        tenant_id=ctx.tenant.id,
        kind="export",
        name=made.name,
        data=made.data,
        now=ctx.now,
        person_id=ctx.me.id,
    )
    title = ctx.t("export.title", counts=counts)
    return (
        Outcome()
        .reply(ctx.t("export.sent", counts=counts, name=made.name), private=True)
        .push_attachment(ctx.me.id, Attachment(name=made.name, title=title, file_id=file_id))
    )


COMMAND = Command(
    key="export",
    en=("export",),
    zh=("导出",),
    parse=parse,
    handles={ExportAsked: export_file},
)
