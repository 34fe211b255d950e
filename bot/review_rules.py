"""The weekly review's rule ([review] in the config): on which day of the week and at what
time each manager gets the review of the week before (bot/jobs/review.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from pydantic import field_validator

from bot.config_types import Clock, Section, problem

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, kw_only=True)
class ReviewRules:
    weekday: int = 0  # Monday; a day off moves it to the next working day of that week
    at: time | None = None  # None: the digest's time ([rules] digest_at)


class ReviewSection(Section):
    day: str = "monday"
    time: Clock | None = None

    @field_validator("day", mode="before")
    @classmethod
    def _a_day(cls, value: Any) -> str:
        if isinstance(value, str) and value.strip().casefold() in DAYS:
            return value.strip().casefold()
        raise problem(f"must be a day of the week ({', '.join(DAYS)}), not {value!r}")

    def runtime(self) -> ReviewRules:
        return ReviewRules(weekday=DAYS.index(self.day), at=self.time)
