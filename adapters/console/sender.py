"""The console platform's sender: a delivery is a printed line. Replies read `dealbot: …`
(`dealbot → @alice only: …` when private), pushes `→ @alice: …` or `→ #sales: …`."""

from __future__ import annotations

from collections.abc import Callable

from adapters.console import render
from bot.delivery import Capabilities, Delivery, Sender, TargetKind
from bot.outcome import Card


class ConsoleSender(Sender):
    platform = "console"
    capabilities = Capabilities(ephemeral=True, update=True, threads=False)
    min_interval = 0.0

    def __init__(
        self, say: Callable[[str], None], on_card: Callable[[Card], None] = lambda card: None
    ) -> None:
        self.say = say
        self.on_card = on_card

    def send(self, delivery: Delivery) -> str:
        message, kind = delivery.message, delivery.kind
        if kind is TargetKind.UPDATE and message.card is not None:
            self.say(render.message_card_update(message.card))
        elif delivery.reply is not None and kind is TargetKind.EPHEMERAL:
            self.say(render.message(message, f"dealbot → @{delivery.target_name} only: "))
        elif delivery.reply is not None:
            self.say(render.message(message, "dealbot: "))
        else:
            sigil = "@" if kind is TargetKind.PERSON else "#"
            self.say(render.message(message, f"→ {sigil}{delivery.target_name}: "))
        if message.card is not None:
            self.on_card(message.card)
        return f"console:{delivery.id}"
