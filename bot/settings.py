"""What the bot needs to know about the organisation; defaults follow DESIGN.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from bot.pipeline import Pipeline


@dataclass(kw_only=True)
class Settings:
    timezone: str = "UTC"
    locale: str = "en"
    currency: str | None = None  # None: CNY for zh_CN tenants, USD otherwise
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    pipeline: Pipeline = field(default_factory=Pipeline)
    max_message_chars: int = 4000

    @property
    def default_currency(self) -> str:
        return self.currency or ("CNY" if self.locale == "zh_CN" else "USD")
