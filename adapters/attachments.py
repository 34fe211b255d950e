"""What every sender needs to send an attachment (bot/outcome.Attachment): a stored file's bytes
as the outbox worker loaded them, or a chart drawn as a PNG, and the names they go out under."""

from __future__ import annotations

from bot import charts
from bot.delivery import Delivery, Undeliverable
from bot.outcome import Attachment


def kind(attachment: Attachment) -> str:
    """ "chart" or "file": which words and which kind of message it takes."""
    return "chart" if attachment.chart is not None else "file"


def title(attachment: Attachment) -> str:
    """What the person sees it called."""
    return attachment.title or attachment.name


def png_name(attachment: Attachment) -> str:
    """A chart's file name: its attachment's name, ending in .png."""
    name = attachment.name or "chart"
    return name if name.lower().endswith(".png") else f"{name}.png"


def file_bytes(delivery: Delivery) -> bytes:
    """A stored file's bytes, loaded by the outbox worker (bot/sending.py) before the send."""
    if delivery.data is None:
        raise Undeliverable("the attachment's file was not loaded: it is gone from the store")
    return delivery.data


def content(delivery: Delivery, attachment: Attachment) -> tuple[str, bytes]:
    """The name and bytes to upload: the chart drawn as a PNG, or the stored file. A chart that
    cannot be drawn raises (the worker retries, then dead-letters it with the reason)."""
    if attachment.chart is not None:
        return png_name(attachment), charts.png(attachment.chart)
    return attachment.name, file_bytes(delivery)
