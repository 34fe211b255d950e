"""The `dealbot` command: the composition root, the only place in bot/ that knows adapters."""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from bot.assembly import assemble
from bot.config import Config, ConfigError, check_config, load_config
from bot.delivery import Delivery
from bot.i18n import LOCALES
from bot.jobs import run_due
from bot.jobs.dead_letters import tell_admins
from bot.jobs.env import JobEnv
from bot.outbox import Worker
from storage import db

CONFIG_HELP = "TOML configuration (see config.example.toml); secrets may come from DEALBOT_* env."


def database_url(value: str | None, config: Config) -> str:
    """A URL, or a plain file path meaning SQLite; default from the config."""
    if not value:
        return config.database.url
    return value if "://" in value else f"sqlite:///{value}"


def load(path: str | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as e:
        raise click.ClickException("configuration problems:\n" + "\n".join(e.problems)) from None


def on_dead(env: JobEnv, clock, delivery: Delivery, reason: str) -> None:  # type: ignore[no-untyped-def]
    tell_admins(env, delivery, reason, clock())


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug output to stderr.")
def main(verbose: bool) -> None:
    """dealbot — sales-process chat-ops for Slack, Feishu and WeCom."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


@main.command()
@click.option("--db", "db_url", help="Database URL or SQLite file (default ./dealbot.db).")
@click.option("--lang", type=click.Choice(LOCALES), help="Default language (default en).")
@click.option("--tz", help="Time zone, e.g. Asia/Shanghai (default UTC).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def console(db_url: str | None, lang: str | None, tz: str | None, config_path: str | None) -> None:
    """Chat with dealbot in the terminal (#sales). Reads a script when stdin is not a terminal."""
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
    bot, env = core.bot, core.env
    clock: list[datetime] = []  # the console's clock, as the tick last set it

    def tick(when: datetime) -> int:
        clock[:] = [when]
        return sum(run_due(env, when).values())

    dead = partial(on_dead, env, lambda: clock[0] if clock else datetime.now(UTC))
    run(bot, tz=settings.timezone, tick=tick, on_dead=dead)


@main.command()
@click.option(
    "--at", "at", required=True, help="ISO date-time; a zone-less one is in [bot] timezone."
)
@click.option("--db", "db_url", help="Database URL or SQLite file (default from the config).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def tick(at: str, db_url: str | None, config_path: str | None) -> None:
    """Run every job due by --at, deliver what they enqueued, exit."""
    from adapters.wiring import senders_for

    config = load(config_path)
    settings = config.settings()
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise click.BadParameter(f"{at!r} is not an ISO date-time", param_hint="--at") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(settings.timezone))
    core = assemble(config, database_url=database_url(db_url, config), settings=settings)
    env = core.env
    counts = run_due(env, when)
    worker = Worker(
        sessions=env.sessions,
        senders=senders_for(config, out=sys.stdout),
        name=f"tick-{datetime.now(UTC):%H%M%S}",
        policy=core.policy,
        clock=lambda: when,
        on_dead=partial(on_dead, env, lambda: when),
    )
    report = worker.drain()
    jobs = ", ".join(f"{name} {n}" for name, n in counts.items())
    click.echo(
        f"tick {when.isoformat()}: enqueued {jobs}; sent {report.sent}, "
        f"retrying {report.retried}, dead {len(report.dead or [])}",
        err=True,
    )


@main.command(name="check-config")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def check_config_cmd(config_path: str | None) -> None:
    """Validate the configuration: one line per mistake, exit 1 if there is any."""
    problems = check_config(config_path)
    for line in problems:
        click.echo(line)
    if problems:
        sys.exit(1)
    click.echo("configuration OK")


@main.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def serve(config_path: str | None) -> None:
    """HTTP endpoints + scheduler + outbox worker (+ platform connections)."""
    from adapters.server.app import run_server

    config = load(config_path)
    run_server(config)


@main.group(name="db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command()
@click.option("--db", "db_url", help="Database URL or SQLite file (default from the config).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def upgrade(db_url: str | None, config_path: str | None) -> None:
    """Migrate the database to the newest schema (Alembic)."""
    engine = db.make_engine(database_url(db_url, load(config_path)))
    db.upgrade(engine)
    click.echo("database is at the newest schema")
