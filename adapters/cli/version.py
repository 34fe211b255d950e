"""`dealbot --version`: the package's version, the commit it was built from, the Python running
it, and the schema revision of the database it would use against the one the code expects.

The commit is git's when dealbot runs from a checkout, else DEALBOT_COMMIT (the image bakes its
build argument into it), else unknown. The database is the one `dealbot serve` would open with
no --config: DEALBOT_DATABASE_URL, else ./dealbot.db. It is only read: a SQLite file that does
not exist is not created, and a server that does not answer within CONNECT_TIMEOUT is reported
as unknown with the reason, never waited for.
"""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path

import click

COMMIT_ENV = "DEALBOT_COMMIT"
DATABASE_URL_ENV = "DEALBOT_DATABASE_URL"  # bot.config.DATABASE_URL_ENV, without loading it
DEFAULT_URL = "sqlite:///dealbot.db"  # [database] url's default
CONNECT_TIMEOUT = 3  # seconds
SOURCE = Path(__file__).resolve().parents[2]  # the checkout (or site-packages) holding adapters/


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dealbot")
    except PackageNotFoundError:
        return "unknown (not installed)"


def commit(env: Mapping[str, str] | None = None, source: Path = SOURCE) -> str:
    env = os.environ if env is None else env
    if (source / ".git").exists():
        try:
            done = subprocess.run(
                ["git", "-C", str(source), "rev-parse", "--short=12", "HEAD"],
                capture_output=True,
                text=True,
                timeout=5,
                check=True,
            )
            return f"{done.stdout.strip()} (git checkout)"
        except (OSError, subprocess.SubprocessError):
            pass
    baked = (env.get(COMMIT_ENV) or "").strip()
    if baked and baked != "unknown":
        return baked
    return "unknown (not a git checkout, and no DEALBOT_COMMIT)"


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storage.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head() or "none"


def schema_revision(url: str) -> str:
    """The database's alembic revision, or 'unknown (<reason>)'; never creates nor migrates."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return "unknown (not a database URL)"
    if parsed.get_backend_name() == "sqlite":
        name = parsed.database or ""
        if not name or name == ":memory:" or not Path(name).is_file():
            return f"unknown (no database file at {name or 'memory'})"
        parsed = parsed.set(database=f"file:{name}?mode=ro", query={"uri": "true"})
        args: dict[str, object] = {}
    else:
        args = {"connect_timeout": CONNECT_TIMEOUT}
    try:
        engine = create_engine(parsed, connect_args=args, hide_parameters=True)
    except (ArgumentError, ImportError) as e:
        return f"unknown ({e.__class__.__name__})"
    try:
        with engine.connect() as conn:
            found = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as e:
        orig = getattr(e, "orig", None) or e
        reason = " ".join(str(orig).split()) or orig.__class__.__name__
        return f"unknown ({reason[:200]})"
    finally:
        engine.dispose()
    return found or "none (not migrated yet)"


def describe(env: Mapping[str, str] | None = None) -> str:
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    env = os.environ if env is None else env
    url = env.get(DATABASE_URL_ENV) or DEFAULT_URL
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        shown = "(not a URL)"
    head = head_revision()
    found = schema_revision(url)
    state = (
        ""
        if found.startswith(("unknown", "none"))
        else (" (current)" if found == head else " (differs: run `dealbot db upgrade`?)")
    )
    return "\n".join(
        [
            f"dealbot {package_version()}",
            f"commit: {commit(env)}",
            f"python: {platform.python_version()} ({platform.python_implementation()})",
            f"database: {shown}",
            f"schema revision: {found}{state}",
            f"schema head (this code): {head}",
        ]
    )


def show(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """An eager --version option's callback: print, then leave before any command runs."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(describe())
    ctx.exit()
