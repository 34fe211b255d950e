"""`dealbot export [--format xlsx|csv] [-o FILE] [--what customers,deals,…]`: every record of a
tenant as a spreadsheet (bot/sheets/export.py), for an operator; `/export` in chat gives each
person what they may see. The `export` group (adapters/cli/store.py) runs this when no
subcommand (`audit`) is named."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click

from adapters.cli.options import CONFIG_HELP, DB_HELP

LOCALES = ("en", "zh_CN")  # bot.i18n.LOCALES, without loading Jinja for --help
KIND_HELP = (
    "Kinds to write, comma-separated (default: all): customers, deals, contacts, touches, tasks, "
    "questions, requirements, approvals, payments, receipts, milestones; Chinese names too."
)


def sheet_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of `dealbot export` itself (its `audit` subcommand has its own)."""
    options = [
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["xlsx", "csv"]),
            default="xlsx",
            show_default=True,
            help="An Excel workbook (a sheet per kind), or CSV (several kinds: a zip).",
        ),
        click.option(
            "-o",
            "--output",
            "output",
            help="Write to this file; - for standard output (default: the file's own name "
            "in the current directory).",
        ),
        click.option("--what", multiple=True, help=KIND_HELP),
        click.option("--tenant", help="Name or id of the tenant (needed when there are several)."),
        click.option(
            "--lang", type=click.Choice(LOCALES), help="Headers' language (default: the tenant's)."
        ),
        click.option("--db", "db_url", help=DB_HELP),
        click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def export_sheets(
    *,
    fmt: str,
    output: str | None,
    what: tuple[str, ...],
    tenant: str | None,
    lang: str | None,
    db_url: str | None,
    config_path: str | None,
) -> None:
    """Write the tenant's records; one line on stderr says what went where."""
    from adapters.cli.options import current_store, load
    from adapters.cli.progress import Progress
    from bot.sheets.export import build_export, kinds, tenant_named

    wanted = what or None
    try:
        kinds(wanted)  # a mistyped kind is said before the store is opened
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    settings = load(config_path).settings()
    sessions = current_store(db_url, config_path)
    progress = Progress("export")
    try:
        with sessions() as session:
            try:
                chosen = tenant_named(session, tenant)
            except ValueError as e:
                raise click.ClickException(f"{e} (--tenant NAME|ID)") from None
            made = build_export(
                session,
                tenant_id=chosen.id,
                viewer_id=None,
                what=wanted,
                fmt=fmt,
                locale=lang or chosen.locale or settings.locale,
                tz=chosen.timezone or settings.timezone,
                now=datetime.now(UTC),
                pipeline=settings.pipeline,
                progress=progress.step,
            )
    finally:
        sessions.kw["bind"].dispose()
        progress.end()
    target = output or made.name
    if target == "-":
        sys.stdout.buffer.write(made.data)
        sys.stdout.buffer.flush()
    else:
        with open(target, "wb") as out:
            out.write(made.data)
    counts = ", ".join(f"{kind} {n}" for kind, n in made.counts.items())
    where = "standard output" if target == "-" else target
    click.echo(f"{chosen.name}: wrote {where} ({counts})", err=True)
