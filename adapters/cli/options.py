"""What every command takes: --config and --db, and the configuration they load."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

# Only what `--help` needs is imported here: the store, the SDKs and the core load when a
# command runs (`dealbot --help` stays well under a second).
if TYPE_CHECKING:
    from bot.config import Config

CONFIG_HELP = "TOML configuration (see config.example.toml); secrets may come from DEALBOT_* env."
DB_HELP = "Database URL or SQLite file (default from the config)."


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
