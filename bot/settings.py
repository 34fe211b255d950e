"""What the bot needs to know about the organisation; defaults follow DESIGN.md.

bot/config.py reads these from TOML (and secrets from the environment); tests build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from functools import cached_property

from bot.pipeline import Pipeline
from bot.worktime import WorkCalendar


@dataclass(kw_only=True)
class Rules:
    """The scheduler's push rules."""

    digest_at: time = time(9, 0)  # in each manager's own time zone, on working days
    minutes_prompt_after_min: int = 30  # meeting ended + this, no minutes → prompt organiser
    minutes_escalate_after_h: int = 24  # … + this → tell the organiser's manager
    question_alert_after_wh: float = 2.0  # working hours unanswered → alert the owner
    question_escalate_after_wh: float = 4.0  # … → escalate to the owner's manager
    confirm_remind_after_wd: int = 1  # working days waiting on a confirmer → remind them


@dataclass(kw_only=True)
class Settings:
    timezone: str = "UTC"
    locale: str = "en"
    currency: str | None = None  # None: CNY for zh_CN tenants, USD otherwise
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    holidays: str | None = None  # None: weekends only; "CN": mainland China's official calendar
    pipeline: Pipeline = field(default_factory=Pipeline)
    rules: Rules = field(default_factory=Rules)
    max_message_chars: int = 4000

    @property
    def default_currency(self) -> str:
        return self.currency or ("CNY" if self.locale == "zh_CN" else "USD")

    @cached_property
    def calendar(self) -> WorkCalendar:
        return WorkCalendar(day_start=self.day_start, day_end=self.day_end, holidays=self.holidays)
