"""The console platform's sender: a delivery is a printed line, `→ @alice: …`."""

from __future__ import annotations

from collections.abc import Callable

from adapters.console import render
from bot.delivery import Delivery
from bot.outcome import Card


class ConsoleSender:
    platform = "console"
    min_interval = 0.0

    def __init__(self, say: Callable[[str], None],
                 on_card: Callable[[Card], None] = lambda card: None) -> None:  # fmt: skip
        self.say = say
        self.on_card = on_card

    def send(self, delivery: Delivery) -> str:
        sigil = "@" if delivery.target_kind == "person" else "#"
        self.say(render.message(delivery.message, f"→ {sigil}{delivery.target_name}: "))
        if delivery.message.card is not None:
            self.on_card(delivery.message.card)
        return f"console:{delivery.id}"
