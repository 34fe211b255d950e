"""The console platform's sender: a delivery is a printed line. Replies read `dealbot: …`
(`dealbot → @alice only: …` when private), pushes `→ @alice: …` or `→ #sales: …`.

An attachment is written into the console's files folder (adapters/console/files.py) and its
path printed after its label: `→ #sales: [chart: Funnel] dealbot-files/funnel-12.png`,
`dealbot → @alice only: [file: Pipeline export] dealbot-files/export-13.xlsx`. A chart that
cannot be drawn prints `[chart: Funnel] (the chart could not be drawn: <reason>)` instead."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from adapters import attachments
from adapters.console import files, render
from bot import charts
from bot.delivery import Capabilities, Delivery, RetryLater, Sender, TargetKind
from bot.i18n import Words
from bot.outcome import Attachment, Card

logger = logging.getLogger(__name__)


class ConsoleSender(Sender):
    platform = "console"
    capabilities = Capabilities(ephemeral=True, update=True, threads=False)
    min_interval = 0.0

    def __init__(
        self,
        say: Callable[[str], None],
        on_card: Callable[[Card], None] = lambda card: None,
        *,
        folder: Path | None = None,
        words: Words | None = None,
        locale: str = "en",
    ) -> None:
        """`folder`: where attachments are written (default: files.folder(None))."""
        self.say = say
        self.on_card = on_card
        self.folder = folder if folder is not None else files.folder(None)
        self.words = words or Words()
        self.locale = locale

    def send(self, delivery: Delivery) -> str:
        message, kind = delivery.message, delivery.kind
        if kind is TargetKind.UPDATE and message.card is not None:
            self.say(render.message_card_update(message.card))
            self.on_card(message.card)
            return f"console:{delivery.id}"
        if delivery.reply is not None and kind is TargetKind.EPHEMERAL:
            prefix = f"dealbot → @{delivery.target_name} only: "
        elif delivery.reply is not None:
            prefix = "dealbot: "
        else:
            sigil = "@" if kind is TargetKind.PERSON else "#"
            prefix = f"→ {sigil}{delivery.target_name}: "
        if message.attachment is not None:
            self.say(render.indent(self._attachment(delivery, message.attachment), prefix))
        else:
            self.say(render.message(message, prefix))
        if message.card is not None:
            self.on_card(message.card)
        return f"console:{delivery.id}"

    def _attachment(self, delivery: Delivery, attachment: Attachment) -> str:
        """The attachment's label and where it was written (or why a chart was not drawn)."""
        kind = attachments.kind(attachment)
        chart = attachment.chart
        locale = chart.locale if chart is not None else self.locale
        label = self.words(
            locale, "attachments.label", kind=kind, title=attachments.title(attachment)
        )
        if chart is not None:
            name = attachments.png_name(attachment)
            try:
                data = charts.png(chart)
            except Exception as e:  # any drawing failure is said, not raised
                logger.warning("console: chart %r could not be drawn", chart.title, exc_info=True)
                reason = f"{e.__class__.__name__}: {e}" if str(e) else e.__class__.__name__
                return f"{label} {self.words(locale, 'attachments.not_drawn', reason=reason)}"
        else:
            name, data = attachment.name, attachments.file_bytes(delivery)
        try:
            path = files.write(self.folder, delivery.id, name, data)
        except OSError as e:
            raise RetryLater(f"could not write {name} into {self.folder}: {e}") from None
        return f"{label} {files.shown(path)}"
