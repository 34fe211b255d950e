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

# Only what `--help` needs is imported here: the store, the SDKs and the core load when a
# command runs (`dealbot --help` stays well under a second).
if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.config import Config
    from bot.delivery import Delivery
    from bot.jobs.env import JobEnv

LOCALES = ("en", "zh_CN")  # bot.i18n.LOCALES, without loading Jinja for --help
VERBOSE = {"on": False}

CONFIG_HELP = "TOML configuration (see config.example.toml); secrets may come from DEALBOT_* env."


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
@click.option("--max-wait", type=float, default=300.0, show_default=True,
              help="Seconds to wait out platforms' pacing before leaving the rest for later.")
def tick(at: str, db_url: str | None, config_path: str | None, max_wait: float) -> None:
    """Run every job due by --at, deliver what they enqueued, prune old delivered rows, exit."""
    from adapters.platform import Services
    from adapters.server import platforms as registry
    from bot.assembly import assemble, retention_policy
    from bot.jobs import run_due
    from bot.outbox import Worker
    from bot.retention import prune_delivered

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
    services = Services(ingress=None, words=core.bot.words, locale=settings.locale,
                        out=sys.stdout)  # fmt: skip
    try:
        platforms = registry.build(config, services)
    except NotImplementedError as e:
        raise click.ClickException(str(e)) from None
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
    from adapters.server.platforms import unavailable
    from bot.config import check_config, load_config

    problems = check_config(config_path, platforms=sections())
    notes: list[str] = []
    if not problems:
        config = load_config(config_path, platforms=sections())
        problems = unavailable(config)
        notes = config.retention.notes(config.inbox)  # still works, but should go
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

    config = load(config_path)
    run_server(config, config_path=config_path, verbose=VERBOSE["on"])


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


@main.group(name="export")
def export_group() -> None:
    """Write records out of the store."""


@export_group.command(name="audit")
@click.option("--db", "db_url", help="Database URL or SQLite file (default from the config).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Only entries from this day on (YYYY-MM-DD, UTC).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True, help="CSV (with a BOM, for Excel) or JSON lines.")  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file (default: standard output).")  # fmt: skip
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
    from storage import db

    sessions = db.open_store(database_url(db_url, load(config_path)), migrate=False)
    engine = sessions.kw["bind"]
    try:
        if not db.is_current(engine):
            raise click.ClickException("the database is behind: run `dealbot db upgrade` first")
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
    columns = ["at", "tenant", "actor", "actor_id", "action", "subject", "customer",
               "customer_id", "before", "after", "detail"]  # fmt: skip
    writer = csv.writer(text)
    writer.writerow(columns)
    for row in rows:
        row.update({key: js(row[key]) for key in ("before", "after", "detail")})
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
        count += 1
    return count


@main.group(name="dead-letters")
def dead_letters_group() -> None:
    """Messages that did not get through (inbox and outbox); kept until retried or cleared."""


DB_HELP = "Database URL or SQLite file (default from the config)."


def _dead_letter_store(db_url: str | None, config_path: str | None) -> sessionmaker[Session]:
    from storage import db

    sessions = db.open_store(database_url(db_url, load(config_path)), migrate=False)
    if not db.is_current(sessions.kw["bind"]):
        sessions.kw["bind"].dispose()
        raise click.ClickException("the database is behind: run `dealbot db upgrade` first")
    return sessions


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
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="Show at most this many, the oldest.")  # fmt: skip
@click.option("--db", "db_url", help=DB_HELP)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def dead_letters_list(limit: int, db_url: str | None, config_path: str | None) -> None:
    """List dead letters, oldest first: where and why, never their words (only the size)."""
    from bot.retention import dead_letters

    sessions = _dead_letter_store(db_url, config_path)
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
        (d.ref, d.platform, _age((now - d.since).total_seconds()), f"{d.size}B", d.target,
         d.error[:100])
        for d in found
    ]  # fmt: skip
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
    sessions = _dead_letter_store(db_url, config_path)
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
@click.option("--older-than", "older_than", type=click.FloatRange(min=0), metavar="DAYS",
              help="Only those that arrived (or were enqueued) more than DAYS ago.")  # fmt: skip
@click.option("--yes", is_flag=True, help="Do not ask before clearing --all.")
@click.option("--db", "db_url", help=DB_HELP)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help=CONFIG_HELP)
def dead_letters_clear(
    refs: tuple[str, ...], every: bool, older_than: float | None, yes: bool,
    db_url: str | None, config_path: str | None,
) -> None:  # fmt: skip
    """Delete dead letters for good. ID: inbox:<id> or outbox:<id>."""
    from bot.retention import clear

    wanted = _refs(refs, every)
    before = None if older_than is None else datetime.now(UTC) - timedelta(days=older_than)
    if wanted is None and not yes:
        what = "every dead letter" + (f" older than {older_than:g} days" if before else "")
        click.confirm(f"Delete {what}? They cannot be retried afterwards", abort=True)
    sessions = _dead_letter_store(db_url, config_path)
    try:
        counts = clear(sessions, wanted, before=before)
    finally:
        sessions.kw["bind"].dispose()
    click.echo(f"cleared inbox {counts['inbox']}, outbox {counts['outbox']}")
