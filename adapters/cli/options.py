"""What every command takes: --config and --db, the configuration they load, and the store
they name (refused when its schema is behind)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

# Only what `--help` needs is imported here: the store, the SDKs and the core load when a
# command runs (`dealbot --help` stays well under a second).
if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.config import Config

CONFIG_HELP = (
    "TOML configuration (see config.example.toml); every key may come from the environment "
    "as DEALBOT_<SECTION>_<KEY>, which wins."
)
DB_HELP = "Database URL or SQLite file (default from the config)."


def database_url(value: str | None, config: Config) -> str:
    """A URL, or a plain file path meaning SQLite; default from the config."""
    if not value:
        return config.database.url
    return value if "://" in value else f"sqlite:///{value}"


def load(path: str | None, *, installed: bool = False) -> Config:
    """The configuration; `installed`: refused when a configured platform's SDK is missing
    (a command that runs the platforms: serve, tick)."""
    from adapters.registry import not_installed, sections
    from bot.config import ConfigError, load_config

    try:
        config = load_config(path, platforms=sections())
    except ConfigError as e:
        problems = e.problems
    else:
        problems = not_installed(config.platforms) if installed else []
        if not problems:
            return config
    raise click.ClickException("configuration problems:\n" + "\n".join(problems))


def current_store(db_url: str | None, config_path: str | None) -> sessionmaker[Session]:
    """The store named by --db or the config, refused when its schema is behind."""
    from storage import db

    sessions = db.open_store(database_url(db_url, load(config_path)), migrate=False)
    if not db.is_current(sessions.kw["bind"]):
        sessions.kw["bind"].dispose()
        raise click.ClickException("the database is behind: run `dealbot db upgrade` first")
    return sessions
