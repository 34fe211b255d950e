"""The console as a platform: no routes and no connection (`dealbot console` feeds it lines),
and a sender that prints, which also serves `dealbot tick` on a console database."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from adapters import download
from adapters.console import parse
from adapters.console.sender import ConsoleSender
from adapters.platform import Platform, Services
from bot.events import Event
from bot.inbox import Claimed


class ConsolePlatform(Platform):
    name = "console"

    def __init__(
        self, *, config: Any = None, services: Services, sender: ConsoleSender | None = None
    ) -> None:
        super().__init__(config=config, services=services)
        out = services.out or sys.stdout
        self._sender = sender or ConsoleSender(
            lambda text: print(text, file=out, flush=True),
            folder=services.files_dir,
            words=services.words,
            locale=services.locale,
        )

    def sender(self) -> ConsoleSender:
        return self._sender

    def read(self, row: Claimed) -> Event | None:
        event = parse.event(row.payload)
        path = row.payload.get("file")
        if not path:
            return event
        # a file sent with `:file`, read from disk the way a platform's parse downloads one
        upload = download.receive(Path(path).name, None, lambda limit: download.local(path, limit))
        return replace(event, upload=upload)
