"""Where the console puts what it cannot print: a chart's PNG or an export's file, written into a
folder and named by the outbox row, so that its path can be printed beside the text.

The folder is `dealbot-files/` beside the SQLite database (the current directory for any other
database), or DEALBOT_CONSOLE_FILES. A file's name is its attachment's name with the row's id
(`funnel-12.png`): the same script makes the same names, and no row ever overwrites another's."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import make_url

FOLDER_NAME = "dealbot-files"
FOLDER_ENV = "DEALBOT_CONSOLE_FILES"  # DEALBOT_<SECTION>_<KEY>, like every other setting


def folder(database_url: str | None) -> Path:
    """The folder for `database_url`'s console files."""
    chosen = os.environ.get(FOLDER_ENV)
    if chosen:
        return Path(chosen)
    if database_url:
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database).parent / FOLDER_NAME
    return Path(FOLDER_NAME)


def file_name(row_id: int, name: str) -> str:
    """`name` made safe for any file system, with the row's id before its suffix."""
    base = Path(name.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem:  # no suffix ("report") or a dot file (".png")
        stem, suffix = base.lstrip("."), ""
    stem = re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE).strip("-.") or "file"
    suffix = re.sub(r"[^\w]+", "", suffix)
    return f"{stem[:80]}-{row_id}" + (f".{suffix}" if suffix else "")


def write(where: Path, row_id: int, name: str, data: bytes) -> Path:
    """Write `data` as row `row_id`'s file; its path."""
    where.mkdir(parents=True, exist_ok=True)
    path = where / file_name(row_id, name)
    path.write_bytes(data)
    return path


def shown(path: Path) -> str:
    """The path as the person can open it: from the current directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())
