"""How dealbot's processes log, in one place: plain lines on stderr for the commands (the
console's go to a file in a terminal), JSON lines for both of serve's processes (the edge and
the worker; plain lines when serve runs in a terminal, DEALBOT_LOG_FORMAT=json|plain decides
otherwise), and no secret and no word anyone typed in any of them."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

# loaded by every command, `dealbot --help` included: what is heavy is imported when used
if TYPE_CHECKING:
    from adapters.platform import Platform
    from bot.config import Config

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
LOG_FILE = "dealbot.log"  # the console's log, beside the database, when it runs in a terminal

# With -v, DEBUG is dealbot's own (and the scheduler's). Libraries stay at INFO: at DEBUG they
# print what people typed and what they are sent — slack_sdk and lark-oapi request and
# response bodies, websockets' frames (Socket Mode, the AI bot's long connection), httpcore's
# and hpack's headers, urllib3's URLs with their queries, SQLAlchemy's parameters — and no
# pattern can tell a person's words apart. What libraries log at INFO and above is
# addresses and states, which Redact cleans. Our own lines name ids and reasons, never text.
DEBUG_LOGGERS = ("adapters", "bot", "storage", "apscheduler")
QUIET = ("slack_sdk", "slack_bolt", "apscheduler", "httpx")  # INFO: a line per request


def plain(verbose: bool) -> None:
    """A command's log: warnings on stderr; with -v, dealbot's own DEBUG lines too (a
    library's print the bodies it sends and gets)."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format=FORMAT)
    if verbose:
        for name in ("adapters", "bot", "storage"):
            logging.getLogger(name).setLevel(logging.DEBUG)


def to_file(path: str) -> None:
    """In a terminal a warning printed between the lines of a conversation reads as part of
    it (or as the bot's answer): the log goes to a file beside the database instead."""
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)


# a line's fields beside its message, from `extra={...}` at the log call: ids, names of
# platforms and rules, seconds — never what people typed. Others' extras are left out.
FIELDS = (
    "tenant",  # our tenant id (an outbox row's)
    "workspace",  # the platform's tenant (Slack team, Feishu tenant_key, WeCom corp)
    "platform",
    "inbox_row",
    "outbox_row",
    "rule",  # a scheduled rule (bot/jobs)
    "duration",  # seconds
    "error",  # the exception's class, never its message
)


def timestamp(record: logging.LogRecord) -> str:
    """ISO 8601 in UTC with its zone, to the millisecond: 2026-12-07T14:03:05.123+00:00."""
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonLines(logging.Formatter):
    """One JSON object per line: ts, level, logger, event (the call's own `event`, else its
    message template: the same for every line of a kind), msg, pid, FIELDS that the call
    gave, and exc when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "event": str(getattr(record, "event", None) or record.msg),
            "msg": record.getMessage(),
            "pid": record.process,
        }
        entry |= {k: getattr(record, k) for k in FIELDS if getattr(record, k, None) is not None}
        if record.exc_info or record.exc_text:  # the text Redact cleaned, when it did
            entry["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class PlainFields(logging.Formatter):
    """serve's log in a terminal: FORMAT's line, ISO time, its FIELDS as key=value."""

    def __init__(self) -> None:
        super().__init__(FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return timestamp(record)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = [
            f"{k}={getattr(record, k)}" for k in FIELDS if getattr(record, k, None) is not None
        ]
        if not fields:
            return line
        head, _, rest = line.partition("\n")  # a traceback stays below the fields
        return " ".join([head, *fields]) + (f"\n{rest}" if rest else "")


def log_format(stream: object = None) -> str:
    """serve's: DEALBOT_LOG_FORMAT (json or plain) when set, else plain in a terminal and
    JSON otherwise (a supervisor, a container, a file)."""
    chosen = os.environ.get("DEALBOT_LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "plain"):
        return chosen
    isatty = getattr(stream or sys.stderr, "isatty", None)
    return "plain" if isatty is not None and isatty() else "json"


def configure_logging(verbose: bool) -> logging.Handler:
    """serve's log, in either of its processes: JSON lines on stderr (see `log_format`). Its
    handler is the one `redact` cleans, once the platforms are built."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if log_format(sys.stderr) == "json" else PlainFields())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    for name in DEBUG_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.NOTSET)
    if not verbose:
        for noisy in QUIET:
            logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler


class Redact(logging.Filter):
    """No secret, token or capability URL in any log line, at any level, from any library."""

    def __init__(self, patterns: Iterable[str], secrets: Iterable[str]) -> None:
        super().__init__()
        values = {form for s in secrets if len(s) >= 6 for form in (s, quote(s, safe=""))}
        parts = [*patterns, *(re.escape(v) for v in sorted(values, key=len, reverse=True))]
        self.pattern = re.compile("|".join(parts)) if parts else None

    def filter(self, record: logging.LogRecord) -> bool:
        if self.pattern is None:
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - arguments that do not fit: the format string alone
            message = str(record.msg)
        if getattr(record, "event", None) is None:  # the template, before it is filled in
            record.event = self.pattern.sub("[redacted]", str(record.msg))
        record.msg, record.args = self.pattern.sub("[redacted]", message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.pattern.sub("[redacted]", record.exc_text)
        if record.stack_info:
            record.stack_info = self.pattern.sub("[redacted]", record.stack_info)
        return True


def redaction(config: Config, platforms: Iterable[Platform]) -> Redact:
    """The filter for every configured secret and every platform's capability patterns."""
    from sqlalchemy.engine import make_url

    secrets = [
        value.get_secret_value()
        for name in config.platforms
        for value in vars(config.section(name) or object()).values()
        if hasattr(value, "get_secret_value")
    ]
    with contextlib.suppress(Exception):  # a URL that does not parse has no password to hide
        secrets.append(make_url(config.database.url).password or "")
    return Redact([p for platform in platforms for p in platform.redactions()], secrets)


def redact(handler: logging.Handler, config: Config, platforms: Iterable[Platform]) -> None:
    """Keep every configured secret and every platform's capability patterns out of the log.
    Call it once the platforms are built (their SDKs imported)."""
    handler.addFilter(redaction(config, platforms))
    # every record goes through this handler: a library's own would write past the filter
    # (lark-oapi prints to stdout through one); its records reach the root's anyway
    for logger_ in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger_, logging.Logger) and logger_.handlers:
            for own in logger_.handlers[:]:
                logger_.removeHandler(own)
            logger_.propagate = True
