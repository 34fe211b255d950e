"""The `dealbot` command: every subcommand, each wiring the core, the store and the
platforms together when it runs."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

# Only what `--help` needs is imported here: the store, the SDKs and the core load when a
# command runs (`dealbot --help` stays well under a second).
from adapters.cli import imports, logs, store, version
from adapters.cli.options import CONFIG_HELP, database_url, load

LOCALES = ("en", "zh_CN")  # bot.i18n.LOCALES, without loading Jinja for --help
VERBOSE = {"on": False}


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug output to stderr.")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=version.show,
    help="Version, commit, Python and database schema revision; exit.",
)
def main(verbose: bool) -> None:
    """dealbot — sales-process chat-ops for Slack, Feishu and WeCom."""
    VERBOSE["on"] = verbose
    logs.plain(verbose)


@main.command()
@click.option("--db", "db_url", help="Database URL or SQLite file (default ./dealbot.db).")
@click.option("--lang", type=click.Choice(LOCALES), help="Default language (default en).")
@click.option("--tz", help="Time zone, e.g. Asia/Shanghai (default UTC).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def console(db_url: str | None, lang: str | None, tz: str | None, config_path: str | None) -> None:
    """Chat with dealbot in the terminal (#sales). Reads a script when stdin is not a terminal."""
    from adapters.cli.assembly import assemble
    from adapters.console.app import run

    config = load(config_path)
    settings = config.settings()
    if tz:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise click.BadParameter(
                f"unknown time zone {tz!r}; try Asia/Shanghai", param_hint="--tz"
            ) from None
        settings = replace(settings, timezone=tz)
    if lang:
        settings = replace(settings, locale=lang)
    core = assemble(config, database_url=database_url(db_url, config), settings=settings)
    if sys.stdin.isatty() and not VERBOSE["on"]:
        logs.to_file(logs.LOG_FILE)
    run(core, tz=settings.timezone)


@main.command()
@click.option(
    "--at", "at", required=True, help="ISO date-time; a zone-less one is in [bot] timezone."
)
@click.option("--db", "db_url", help="Database URL or SQLite file (default from the config).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option(
    "--max-wait",
    type=float,
    default=300.0,
    show_default=True,
    help="Seconds to wait out platforms' pacing before leaving the rest for later.",
)
def tick(at: str, db_url: str | None, config_path: str | None, max_wait: float) -> None:
    """Run every job due by --at, deliver what they enqueued, prune old delivered rows, exit."""
    from adapters.cli.assembly import Unreachable, assemble, machinery, retention_policy
    from adapters.console import files as console_files
    from adapters.platform import Services
    from adapters.server import platforms as registry
    from bot.retention import prune_delivered

    config = load(config_path, installed=True)
    settings = config.settings()
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise click.BadParameter(f"{at!r} is not an ISO date-time", param_hint="--at") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(settings.timezone))
    try:
        core = assemble(config, database_url=database_url(db_url, config), settings=settings)
    except Unreachable as e:
        raise click.ClickException(str(e)) from None
    env = core.env
    url = database_url(db_url, config)
    services = Services(
        ingress=None,
        words=core.bot.words,
        locale=settings.locale,
        out=sys.stdout,
        files_dir=console_files.folder(url),
    )
    platforms = registry.build(config, services)

    def clock() -> datetime:  # the tick's moment, advancing as pacing makes it wait
        return when + timedelta(seconds=time.monotonic() - started)

    parts = machinery(
        bot=core.bot,
        env=env,
        platforms=platforms,
        name=f"tick-{datetime.now(UTC):%H%M%S}",
        clock=clock,
        policy=core.policy,
        orphans=True,
    )
    counts = parts.rules(when)
    started = time.monotonic()
    report = parts.outbox.drain_paced(max_wait=max_wait, sleep=time.sleep)
    pruned = prune_delivered(env.sessions, when, retention_policy(config))
    jobs = ", ".join(f"{name} {n}" for name, n in counts.items())
    click.echo(
        f"tick {when.isoformat()}: enqueued {jobs}; sent {report.sent}, "
        f"retrying {report.retried}, dead {len(report.dead or [])}, "
        f"deferred by pacing {report.deferred}; "
        f"pruned inbox {pruned['inbox']}, outbox {pruned['outbox']}, files {pruned['files']}",
        err=True,
    )


@main.command(name="check-config")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option(
    "--sources",
    "show_sources",
    is_flag=True,
    help="After OK, list every key's value and where it came from (file, DEALBOT_* variable, "
    "default); secrets hidden.",
)
def check_config_cmd(config_path: str | None, show_sources: bool) -> None:
    """Validate the configuration: one line per mistake, exit 1 if there is any."""
    from adapters.registry import not_installed, sections
    from bot.config import check_config, load_config, sources

    problems = check_config(config_path, platforms=sections())
    notes: list[str] = []
    if not problems:
        config = load_config(config_path, platforms=sections())
        problems = not_installed(config.platforms)
        notes = config.notes()  # still works, but should go
    for line in problems:
        click.echo(line)
    if problems:
        sys.exit(1)
    for line in notes:
        click.echo(f"note: {line}")
    click.echo("configuration OK")
    for line in sources(config_path, platforms=sections()) if show_sources else ():
        click.echo(line)


@main.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def serve(config_path: str | None) -> None:
    """HTTP endpoints + scheduler + outbox worker (+ platform connections)."""
    from adapters.server.app import run_server
    from storage.db import Unreachable

    config = load(config_path, installed=True)
    try:
        run_server(config, config_path=config_path, verbose=VERBOSE["on"])
    except Unreachable as e:  # its attempts were logged; one line more, and no traceback
        logging.getLogger("dealbot.serve").error("not starting: %s", e)
        sys.exit(1)


@main.group(name="db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command()
@click.option("--db", "db_url", help="Database URL or SQLite file (default from the config).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def upgrade(db_url: str | None, config_path: str | None) -> None:
    """Migrate the database to the newest schema (Alembic)."""
    from adapters.cli.progress import upgrade_database

    click.echo(upgrade_database(database_url(db_url, load(config_path))))


main.add_command(store.export_group)
main.add_command(store.dead_letters_group)
main.add_command(imports.import_command)
