"""Which senders a running dealbot has, from its configuration."""

from __future__ import annotations

from typing import TextIO

from adapters.console.sender import ConsoleSender
from bot.config import Config
from bot.delivery import Sender


def senders_for(config: Config, *, out: TextIO) -> dict[str, Sender]:
    # console rows (a console database run with `dealbot tick`) are printed
    senders: dict[str, Sender] = {
        "console": ConsoleSender(lambda text: print(text, file=out, flush=True))
    }
    if config.slack is not None:
        from adapters.slack.client import SlackSender

        senders["slack"] = SlackSender(
            token=config.slack.bot_token.get_secret_value(), base_url=config.slack.api_base_url
        )
    return senders
