"""Which senders a running dealbot has, from its configuration."""

from __future__ import annotations

from typing import TextIO

from adapters.console import render as console_render
from bot.config import Config
from bot.delivery import Delivery, Sender


class PrintSender:
    """The console platform outside the console (e.g. `dealbot tick`): print what is sent."""

    platform = "console"
    min_interval = 0.0

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def send(self, delivery: Delivery) -> str:
        sigil = "@" if delivery.target_kind == "person" else "#"
        prefix = f"→ {sigil}{delivery.target_name}: "
        print(console_render.message(delivery.message, prefix), file=self.out, flush=True)
        return f"console:{delivery.id}"


def senders_for(config: Config, *, out: TextIO) -> dict[str, Sender]:
    senders: dict[str, Sender] = {"console": PrintSender(out)}
    if config.slack is not None:
        from adapters.slack.client import SlackSender

        senders["slack"] = SlackSender(
            token=config.slack.bot_token.get_secret_value(), base_url=config.slack.api_base_url
        )
    return senders
