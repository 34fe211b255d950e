"""`dealbot export …` and `dealbot dead-letters …`: what operators read out of the store or
clear from it. They never migrate: a database that is behind is refused."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from adapters.cli.export import export_sheets, sheet_options
from adapters.cli.options import CONFIG_HELP, DB_HELP, current_store


@click.group(name="export", invoke_without_command=True)
@sheet_options
@click.pass_context
def export_group(ctx: click.Context, **options: Any) -> None:
    """Write records out of the store: without a subcommand, a tenant's sales records as a
    spreadsheet (adapters/cli/export.py); `audit`, the audit log."""
    if ctx.invoked_subcommand is None:
        export_sheets(**options)


@export_group.command(name="audit")
@click.option("--db", "db_url", help=DB_HELP)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only entries from this day on (YYYY-MM-DD, UTC).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default="csv",
    show_default=True,
    help="CSV (with a BOM, for Excel) or JSON lines.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file (default: standard output).",
)
def export_audit(
    db_url: str | None,
    config_path: str | None,
    since: datetime | None,
    fmt: str,
    out: str | None,
) -> None:
    """Who changed what: every audit entry, oldest first, one row each."""
    import io

    from bot.audit import export_rows

    sessions = current_store(db_url, config_path)
    engine = sessions.kw["bind"]
    try:
        stream = open(out, "wb") if out else sys.stdout.buffer  # noqa: SIM115
        encoding = "utf-8-sig" if fmt == "csv" else "utf-8"  # the BOM tells Excel it is UTF-8
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        try:
            with sessions() as session:
                rows = export_rows(session, since=since.replace(tzinfo=UTC) if since else None)
                count = _write_audit(text, rows, fmt)
        finally:
            if out:
                text.close()
            else:
                text.detach()  # flushed; standard output itself stays open
    finally:
        engine.dispose()
    if out:
        click.echo(f"{count} audit entries written to {out}", err=True)


def _write_audit(text, rows, fmt: str) -> int:  # type: ignore[no-untyped-def]
    """Rows of bot.audit.export_rows as CSV (JSON in the before/after/detail cells) or JSONL."""
    import csv
    import json

    def js(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""

    count = 0
    if fmt == "jsonl":
        for row in rows:
            text.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count
    columns = [
        "at",
        "tenant",
        "actor",
        "actor_id",
        "action",
        "subject",
        "customer",
        "customer_id",
        "before",
        "after",
        "detail",
    ]
    writer = csv.writer(text)
    writer.writerow(columns)
    for row in rows:
        row.update({key: js(row[key]) for key in ("before", "after", "detail")})
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
        count += 1
    return count


@click.group(name="dead-letters")
def dead_letters_group() -> None:
    """Messages that did not get through (inbox and outbox); kept until retried or cleared."""


def _refs(refs: tuple[str, ...], every: bool) -> list[tuple[str, int]] | None:
    from bot.retention import parse_ref

    if every == bool(refs):
        raise click.UsageError("name the dead letters to act on, or say --all (not both)")
    try:
        return None if every else [parse_ref(r) for r in refs]
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="ID") from None


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


@dead_letters_group.command(name="list")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Show at most this many, the oldest.",
)
@click.option("--db", "db_url", help=DB_HELP)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def dead_letters_list(limit: int, db_url: str | None, config_path: str | None) -> None:
    """List dead letters, oldest first: where and why, never their words (only the size)."""
    from bot.retention import dead_letters

    sessions = current_store(db_url, config_path)
    try:
        with sessions() as s:
            found, total = dead_letters(s, limit)
    finally:
        sessions.kw["bind"].dispose()
    if not found:
        click.echo("no dead letters")
        return
    now = datetime.now(UTC)
    rows = [("ID", "PLATFORM", "AGE", "SIZE", "TARGET", "LAST ERROR")] + [
        (
            d.ref,
            d.platform,
            _age((now - d.since).total_seconds()),
            f"{d.size}B",
            d.target,
            d.error[:100],
        )
        for d in found
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        click.echo("  ".join([c.ljust(w) for c, w in zip(row, widths, strict=False)] + [row[5]]))
    if total > len(found):
        click.echo(f"… and {total - len(found)} more (--limit)")


@dead_letters_group.command(name="retry")
@click.argument("refs", nargs=-1, metavar="[ID]...")
@click.option("--all", "every", is_flag=True, help="Every dead letter.")
@click.option("--db", "db_url", help=DB_HELP)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def dead_letters_retry(
    refs: tuple[str, ...], every: bool, db_url: str | None, config_path: str | None
) -> None:
    """Try dead letters again now, with their attempts reset. ID: inbox:<id> or outbox:<id>."""
    from bot.retention import retry

    wanted = _refs(refs, every)
    sessions = current_store(db_url, config_path)
    try:
        done = retry(sessions, wanted, datetime.now(UTC))
    finally:
        sessions.kw["bind"].dispose()
    click.echo(f"retrying {len(done)}: {' '.join(done)}" if done else "retrying 0")
    missing = [f"{q}:{i}" for q, i in wanted or [] if f"{q}:{i}" not in done]
    if missing:
        click.echo(f"not dead letters, left alone: {' '.join(missing)}", err=True)
        sys.exit(1)


@dead_letters_group.command(name="clear")
@click.argument("refs", nargs=-1, metavar="[ID]...")
@click.option("--all", "every", is_flag=True, help="Every dead letter (asks first, unless --yes).")
@click.option(
    "--older-than",
    "older_than",
    type=click.FloatRange(min=0),
    metavar="DAYS",
    help="Only those that arrived (or were enqueued) more than DAYS ago.",
)
@click.option("--yes", is_flag=True, help="Do not ask before clearing --all.")
@click.option("--db", "db_url", help=DB_HELP)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def dead_letters_clear(
    refs: tuple[str, ...],
    every: bool,
    older_than: float | None,
    yes: bool,
    db_url: str | None,
    config_path: str | None,
) -> None:
    """Delete dead letters for good. ID: inbox:<id> or outbox:<id>."""
    from bot.retention import clear

    wanted = _refs(refs, every)
    before = None if older_than is None else datetime.now(UTC) - timedelta(days=older_than)
    if wanted is None and not yes:
        what = "every dead letter" + (f" older than {older_than:g} days" if before else "")
        click.confirm(f"Delete {what}? They cannot be retried afterwards", abort=True)
    sessions = current_store(db_url, config_path)
    try:
        counts = clear(sessions, wanted, before=before)
    finally:
        sessions.kw["bind"].dispose()
    click.echo(f"cleared inbox {counts['inbox']}, outbox {counts['outbox']}")
