"""What the bot needs to know about the organisation; defaults follow DESIGN.md.

bot/config.py reads these from TOML (and secrets from the environment); tests build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, time
from functools import cache, cached_property

from bot.approval_rules import ApprovalRules
from bot.forecast_rules import ForecastRules
from bot.money import Rates
from bot.payment_rules import PaymentRules
from bot.pipeline import Pipeline
from bot.quiet_rules import QuietRules
from bot.review_rules import ReviewRules
from bot.worktime import CN_ZONES, WorkCalendar, default_holidays


def zone_locale(zone: str) -> str:
    """The language of a tenant in `zone` when none is configured."""
    return "zh_CN" if zone in CN_ZONES else "en"


def zone_currency(zone: str, locale: str) -> str:
    """The currency of a tenant in `zone`, speaking `locale`, when none is configured."""
    return "CNY" if zone in CN_ZONES or locale == "zh_CN" else "USD"


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
    # False: nobody chose `timezone`, so a workspace whose platform says where it works takes
    # that zone when first seen (Event.workspace_zone)
    zone_configured: bool = True
    # "" (not configured): the zone's language, zh_CN in a mainland-China zone, else en
    locale: str = ""
    currency: str | None = None  # None: CNY in a mainland-China zone or for zh_CN, else USD
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    # "auto": the public holidays of the tenant's country (`country`, else its zone's: mainland
    # China's official calendar in a mainland-China zone); "CN": that calendar for every
    # tenant; None: weekends only
    holidays: str | None = "auto"
    country: str | None = None  # [calendar] country: wins over the zone for "auto"
    # the admin's own list, e.g. the State Council's schedule for a year the package lacks
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    pipeline: Pipeline = field(default_factory=Pipeline)
    rules: Rules = field(default_factory=Rules)
    approvals: ApprovalRules = field(default_factory=ApprovalRules)  # [approvals]
    payments: PaymentRules = field(default_factory=PaymentRules)  # [payments]
    quiet: QuietRules = field(default_factory=QuietRules)  # [quiet]
    forecast: ForecastRules = field(default_factory=ForecastRules)  # [forecast]
    review: ReviewRules = field(default_factory=ReviewRules)  # [review]
    max_message_chars: int = 4000
    # [currency]: what other currencies are worth in the tenant's (or `base`), so that sums
    # over deals in several currencies can be added up, saying at what rate
    rates: Rates = field(default_factory=Rates)
    # the zone `locale` was taken from, when none was configured ("": it was configured), so
    # that a copy in another zone (dataclasses.replace, as `console --tz` makes) speaks that
    # zone's language; not compared: settings that speak the same are the same
    locale_zone: str = field(default="", repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.locale_zone and self.locale != zone_locale(self.locale_zone):
            self.locale_zone = ""  # a language was given since: it stays
        if not self.locale or self.locale_zone not in ("", self.timezone):
            self.locale, self.locale_zone = zone_locale(self.timezone), self.timezone

    def for_workspace(self, zone: str | None) -> Settings:
        """The settings a workspace first seen in `zone` starts from: that zone, and its
        language and currency where none is configured; a configured zone always wins."""
        if self.zone_configured or not zone or zone == self.timezone:
            return self
        return replace(self, timezone=zone)

    @property
    def default_currency(self) -> str:
        return self.currency or zone_currency(self.timezone, self.locale)

    @cached_property
    def calendar(self) -> WorkCalendar:
        """The working calendar in the configured zone (a tenant's own: `calendar_for`)."""
        return self.calendar_for(self.timezone)

    def calendar_for(self, zone: str) -> WorkCalendar:
        """The working calendar of a tenant in `zone`."""
        holidays = self.holidays
        if holidays == "auto":
            holidays = self.country or default_holidays(zone)
        return _calendar(
            self.day_start, self.day_end, holidays, self.extra_holidays, self.extra_workdays
        )


@cache
def _calendar(
    start: time,
    end: time,
    holidays: str | None,
    extra_holidays: frozenset[date],
    extra_workdays: frozenset[date],
) -> WorkCalendar:
    return WorkCalendar(
        day_start=start,
        day_end=end,
        holidays=holidays,
        extra_holidays=extra_holidays,
        extra_workdays=extra_workdays,
    )
