"""The `dealbot` command: the composition root, the only place in bot/ that knows adapters."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from bot import cli_store

# Only what `--help` needs is imported here: the store, the SDKs and the core load when a
# command runs (`dealbot --help` stays well under a second).
if TYPE_CHECKING:
    from bot.config import Config
    from bot.delivery import Delivery
    from bot.jobs.env import JobEnv

LOCALES = ("en", "zh_CN")  # bot.i18n.LOCALES, without loading Jinja for --help
VERBOSE = {"on": False}

CONFIG_HELP = cli_store.CONFIG_HELP


def database_url(value: str | None, config: Config) -> str:
    """A URL, or a plain file path meaning SQLite; default from the config."""
    if not value:
        return config.database.url
    return value if "://" in value else f"sqlite:///{value}"


def load(path: str | None) -> Config:
    from adapters.registry import sections
    from bot.config import ConfigError, load_config

    try:
        return load_config(path, platforms=sections())
    except ConfigError as e:
        raise click.ClickException("configuration problems:\n" + "\n".join(e.problems)) from None


def on_dead(env: JobEnv, clock, delivery: Delivery, reason: str) -> None:  # type: ignore[no-untyped-def]
    from bot.jobs.dead_letters import tell_admins

    tell_admins(env, delivery, reason, clock())


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug output to stderr.")
def main(verbose: bool) -> None:
    """dealbot — sales-process chat-ops for Slack, Feishu and WeCom."""
    VERBOSE["on"] = verbose
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    if verbose:  # dealbot's own DEBUG lines; a library's print the bodies it sends and gets
        for name in ("adapters", "bot", "storage"):
            logging.getLogger(name).setLevel(logging.DEBUG)


@main.command()
@click.option("--db", "db_url", help="Database URL or SQLite file (default ./dealbot.db).")
@click.option("--lang", type=click.Choice(LOCALES), help="Default language (default en).")
@click.option("--tz", help="Time zone, e.g. Asia/Shanghai (default UTC).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def console(db_url: str | None, lang: str | None, tz: str | None, config_path: str | None) -> None:
    """Chat with dealbot in the terminal (#sales). Reads a script when stdin is not a terminal."""
    from adapters.console.app import run
    from bot.assembly import assemble
    from bot.jobs import run_due

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
    bot, env = core.bot, core.env
    clock: list[datetime] = []  # the console's clock, as the tick last set it

    def tick(when: datetime) -> int:
        clock[:] = [when]
        return sum(run_due(env, when).values())

    dead = partial(on_dead, env, lambda: clock[0] if clock else datetime.now(UTC))
    if sys.stdin.isatty() and not VERBOSE["on"]:
        log_to_file(LOG_FILE)
    run(bot, tz=settings.timezone, tick=tick, on_dead=dead)


LOG_FILE = "dealbot.log"


def log_to_file(path: str) -> None:
    """In a terminal a warning printed between the lines of a conversation reads as part of
    it (or as the bot's answer): the log goes to a file beside the database instead."""
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)


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
    from adapters.platform import Services
    from adapters.server import platforms as registry
    from bot.assembly import assemble, retention_policy
    from bot.jobs import run_due
    from bot.retention import prune_delivered
    from bot.sending import Worker
    from storage.db import Unreachable

    config = load(config_path)
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
    services = Services(ingress=None, words=core.bot.words, locale=settings.locale, out=sys.stdout)
    platforms = registry.build(config, services)
    counts = run_due(env, when)
    started = time.monotonic()

    def clock() -> datetime:  # the tick's moment, advancing as pacing makes it wait
        return when + timedelta(seconds=time.monotonic() - started)

    worker = Worker(
        sessions=env.sessions,
        senders={name: p.sender() for name, p in platforms.items()},
        name=f"tick-{datetime.now(UTC):%H%M%S}",
        policy=core.policy,
        clock=clock,
        on_dead=partial(on_dead, env, clock),
        orphans=True,
    )
    report = worker.drain_paced(max_wait=max_wait, sleep=time.sleep)
    pruned = prune_delivered(env.sessions, when, retention_policy(config))
    jobs = ", ".join(f"{name} {n}" for name, n in counts.items())
    click.echo(
        f"tick {when.isoformat()}: enqueued {jobs}; sent {report.sent}, "
        f"retrying {report.retried}, dead {len(report.dead or [])}, "
        f"deferred by pacing {report.deferred}; "
        f"pruned inbox {pruned['inbox']}, outbox {pruned['outbox']}",
        err=True,
    )


@main.command(name="check-config")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def check_config_cmd(config_path: str | None) -> None:
    """Validate the configuration: one line per mistake, exit 1 if there is any."""
    from adapters.registry import sections
    from bot.config import check_config, load_config

    problems = check_config(config_path, platforms=sections())
    notes: list[str] = []
    if not problems:
        config = load_config(config_path, platforms=sections())
        notes = config.notes()  # still works, but should go
    for line in problems:
        click.echo(line)
    if problems:
        sys.exit(1)
    for line in notes:
        click.echo(f"note: {line}")
    click.echo("configuration OK")


@main.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def serve(config_path: str | None) -> None:
    """HTTP endpoints + scheduler + outbox worker (+ platform connections)."""
    from adapters.server.app import run_server
    from storage.db import Unreachable

    config = load(config_path)
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
    from storage import db

    engine = db.make_engine(database_url(db_url, load(config_path)))
    db.upgrade(engine)
    click.echo("database is at the newest schema")


main.add_command(cli_store.export_group)
main.add_command(cli_store.dead_letters_group)
