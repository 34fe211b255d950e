"""`dealbot import FILE`: customers, their open deals and contacts from a spreadsheet (.xlsx or
.csv) into a tenant, through bot/sheets/importing.py. The report comes first, in the chosen
language; the import writes only when the report has no problems (or with --skip-bad-rows),
and never with --dry-run. Like `dealbot export`, it never migrates: a database that is behind
is refused. Exit status 1 when problems stop it (or a dry run finds any)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from adapters.cli.options import CONFIG_HELP, DB_HELP, load
from adapters.cli.store import current_store

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.sheets.tenancy import Tenant

LOCALES = ("en", "zh_CN")  # bot.i18n.LOCALES, without loading Jinja for --help
MAX_BYTES = 50 * 1024 * 1024  # an operator's file may be bigger than one sent in chat
PROGRESS_FROM = 5_000  # rows: a file this long says how far it got, on stderr


@click.command(name="import")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--tenant", help="The team to import into, by name or id (not needed when only one).")
@click.option("--dry-run", is_flag=True, help="Print the report; write nothing.")
@click.option("--skip-bad-rows", is_flag=True, help="Import the rows without problems.")
@click.option("--map", "mapping", help='Columns the import does not know: "Header=field,…".')
@click.option("--owner", help="Who owns new customers whose row names no owner.")
@click.option("--lang", type=click.Choice(LOCALES), help="Language of the report ([bot] locale).")
@click.option("--db", "db_url", help=DB_HELP)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def import_command(
    path: str,
    tenant: str | None,
    dry_run: bool,
    skip_bad_rows: bool,
    mapping: str | None,
    owner: str | None,
    lang: str | None,
    db_url: str | None,
    config_path: str | None,
) -> None:
    """Import customers (name, aliases, owner), their open deals and contacts from FILE."""
    from bot.i18n import Words
    from bot.sheets.columns import MapError, parse_map
    from bot.sheets.read import Limits, SheetError, read_table

    config = load(config_path)
    settings = config.settings()
    locale = lang or (settings.locale if settings.locale in LOCALES else "en")
    words = Words()

    try:
        columns = parse_map(mapping)
        data = _bytes(path, words, locale)
        table = read_table(data, Path(path).name, limits=Limits(max_bytes=MAX_BYTES))
    except (SheetError, MapError) as e:
        click.echo(e.text(words, locale), err=True)
        sys.exit(1)
    except _Unreadable as e:
        click.echo(str(e), err=True)
        sys.exit(1)
    sessions = current_store(db_url, config_path)
    try:
        with sessions() as session:
            code = _run(
                session,
                words=words,
                locale=locale,
                table=table,
                columns=columns,
                tenant=tenant,
                owner=owner,
                settings=settings,
                dry_run=dry_run,
                skip_bad_rows=skip_bad_rows,
            )
    finally:
        sessions.kw["bind"].dispose()
    sys.exit(code)


class _Unreadable(Exception):
    """The file itself cannot be read (missing, a folder, no permission): said in one line."""


def _bytes(path: str, words: Any, locale: str) -> bytes:
    from bot.sheets.read import SheetError

    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:  # refused before it is read into memory
            raise SheetError("too_big", size=size, limit=MAX_BYTES)
        return Path(path).read_bytes()
    except OSError as e:
        why = e.strerror or e.__class__.__name__
        raise _Unreadable(words(locale, "sheets.cannot_read", name=path, why=why)) from None


def _run(session: Session, **kw: Any) -> int:
    """The import in one transaction: the report, then (when it may) the writes and their
    report. Returns the exit status."""
    from bot.sheets.columns import MapError
    from bot.sheets.importing import apply, plan, report
    from bot.sheets.read import SheetError

    words, locale = kw["words"], kw["locale"]
    try:
        tenant = _tenant(session, kw["tenant"], words, locale)
        owner_id = _person(session, tenant.id, kw["owner"], words, locale)
    except click.ClickException as e:
        click.echo(e.message, err=True)
        return 1
    now = datetime.now(UTC)
    settings = kw["settings"]
    total = sum(max(0, len(s.rows) - 1) for s in kw["table"].sheets)

    def progress(done: int) -> None:
        if total >= PROGRESS_FROM:
            click.echo(words(locale, "sheets.progress", done=done, total=total), err=True)

    try:
        made = plan(
            session,
            tenant_id=tenant.id,
            table=kw["table"],
            pipeline=settings.pipeline,
            mapping=kw["columns"],
            now=now,
            day_start=settings.day_start,
            default_owner_id=owner_id,
            progress=progress,
        )
    except (SheetError, MapError) as e:
        click.echo(e.text(words, locale), err=True)
        return 1
    stopped = bool(made.problems) and not kw["skip_bad_rows"]
    if kw["dry_run"] or stopped:
        click.echo(report(made, words, locale))
        if stopped:
            flag = "--skip-bad-rows"
            click.echo(
                words(locale, "sheets.refused", count=len(made.bad_rows), flag=flag), err=True
            )
        else:
            click.echo(words(locale, "sheets.dry_run"), err=True)
        session.rollback()
        return 1 if stopped else 0
    done = apply(
        session,
        tenant_id=tenant.id,
        plan=made,
        actor_id=None,
        now=now,
        skip_bad_rows=kw["skip_bad_rows"],
    )
    session.commit()
    click.echo(report(done, words, locale))
    return 0


def _tenant(session: Session, wanted: str | None, words: Any, locale: str) -> Tenant:
    """The tenant named by --tenant (its id, its name, or a workspace's id), else the only one."""
    from bot.sheets.tenancy import tenant_named

    tenant, names = tenant_named(session, wanted)
    if tenant is not None:
        return tenant
    if not names:
        raise click.ClickException(words(locale, "sheets.no_tenant"))
    if wanted is None:
        raise click.ClickException(words(locale, "sheets.tenants", names=names, flag="--tenant"))
    raise click.ClickException(words(locale, "sheets.unknown_tenant", name=wanted, names=names))


def _person(
    session: Session, tenant_id: int, name: str | None, words: Any, locale: str
) -> int | None:
    """--owner: someone the tenant knows, by display name or handle; never made up."""
    from bot.sheets.tenancy import person_named

    if name is None:
        return None
    found = person_named(session, tenant_id, name)
    if found is None:
        raise click.ClickException(words(locale, "sheets.unknown_person", name=name))
    return found
