"""The `dealbot` command: the composition root, the only place in bot/ that knows adapters."""

from __future__ import annotations

import logging
import sys

import click

from bot.handler import Bot
from bot.i18n import LOCALES, Words
from bot.settings import Settings
from storage import db

DEFAULT_DB = "sqlite:///dealbot.db"


def database_url(value: str | None) -> str:
    """A URL, or a plain file path meaning SQLite."""
    if not value:
        return DEFAULT_DB
    return value if "://" in value else f"sqlite:///{value}"


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
@click.option(
    "--lang",
    type=click.Choice(LOCALES),
    default="en",
    show_default=True,
    help="Default language of replies (people writing Chinese get Chinese).",
)
@click.option("--tz", default="UTC", show_default=True, help="Time zone, e.g. Asia/Shanghai.")
def console(db_url: str | None, lang: str, tz: str) -> None:
    """Chat with dealbot in the terminal (#sales). Reads a script when stdin is not a terminal."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from adapters.console.app import run

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {tz!r}; try Asia/Shanghai", param_hint="--tz")
    sessions = db.open_store(database_url(db_url))
    bot = Bot(sessions=sessions, settings=Settings(timezone=tz, locale=lang), words=Words())
    run(bot, tz=tz)


@main.group(name="db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command()
@click.option("--db", "db_url", help="Database URL or SQLite file (default ./dealbot.db).")
def upgrade(db_url: str | None) -> None:
    """Migrate the database to the newest schema (Alembic)."""
    engine = db.make_engine(database_url(db_url))
    db.upgrade(engine)
    click.echo("database is at the newest schema")
