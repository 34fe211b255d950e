"""The console as a platform: no routes and no connection (`dealbot console` feeds it lines),
and a sender that prints, which also serves `dealbot tick` on a console database."""

from __future__ import annotations

import sys
from typing import Any

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
        return parse.event(row.payload)
