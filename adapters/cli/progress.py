"""Progress of the commands that can take a while (`dealbot db upgrade`, `dealbot export`), on
stderr: nothing for what ends within AFTER seconds (DEALBOT_PROGRESS_AFTER), then a bar redrawn
in place on a terminal, or a line per step elsewhere (a log, a CI job): `export: 45% (deals)`,
`migrating 0021 → 0022 (3/7)`."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

import click

AFTER = 2.0  # seconds before progress shows: a quick command prints only its result
WIDTH = 30


class Progress:
    def __init__(self, what: str, stream: TextIO | None = None) -> None:
        self.what = what
        self.stream = stream or sys.stderr  # CliRunner swaps sys.stderr: read it now
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        try:
            self.after = float(os.environ.get("DEALBOT_PROGRESS_AFTER", AFTER))
        except ValueError:
            self.after = AFTER
        self.drawn = False

    def step(self, done: int, total: int, note: str = "") -> None:
        """`done` of `total` steps are done (or: the `done`th is starting, as `note` says)."""
        if time.monotonic() - self.started < self.after or total <= 0:
            return
        share = min(done / total, 1.0)
        if self.tty:
            bar = "#" * round(share * WIDTH)
            line = f"\r{self.what} [{bar:<{WIDTH}}] {share:4.0%} {note}".rstrip()
            click.echo(f"{line}\033[K", file=self.stream, nl=False)
            self.drawn = True
        else:
            click.echo(
                f"{self.what}: {share:.0%}" + (f" ({note})" if note else ""), file=self.stream
            )

    def line(self, text: str) -> None:
        """A step said in words (a migration's revisions), past the wait, as a line."""
        if time.monotonic() - self.started < self.after:
            return
        self.end()
        click.echo(text, file=self.stream)

    def end(self) -> None:
        if self.drawn:
            click.echo("", file=self.stream)
            self.drawn = False


def upgrade_database(url: str) -> str:
    """`dealbot db upgrade`: migrate, each revision said once it takes a while; what it did."""
    from storage import db

    progress = Progress("migrating")

    def step(before: str | None, to: str, n: int, total: int) -> None:
        progress.line(f"migrating {before or '(new)'} → {to} ({n}/{total})")

    before, head = db.upgrade(db.make_engine(url), progress=step)
    if before is None:
        return f"database created at {head}"
    if before == head:
        return f"database already at head ({head})"
    return f"database upgraded from {before} to {head}"
