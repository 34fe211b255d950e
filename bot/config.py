"""The config file: TOML → validated sections (pydantic) → the runtime Settings.

`load_config` reports every problem at once, one line each ("<dotted.key>: <problem>"), so
`dealbot check-config` can print them; unknown keys are errors, so typos are caught. Every key
of every table can come from the environment instead (DEALBOT_<SECTION>_<KEY>, read by the key's
type: bot/config_env.py); the environment wins over the file, and an empty variable counts as
unset. config.example.toml documents every key.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BeforeValidator,
    Field,
    Strict,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from bot import config_env
from bot.config_forecast import ForecastSection
from bot.config_pipeline import PipelineSection
from bot.config_service import (
    ApprovalsSection,
    DatabaseSection,
    InboxSection,
    OutboxSection,
    PaymentsSection,
    QuietSection,
    RetentionSection,
    SchedulerSection,
    ServerSection,
    lease_notes,
)
from bot.config_types import (
    Clock,
    Country,
    Currency,
    PositiveFloat,
    PositiveInt,
    Section,
    between,
    problem,
    problem_lines,
    read_toml,
)
from bot.money import Rates
from bot.review_rules import ReviewSection
from bot.settings import Rules, Settings


class ConfigError(Exception):
    """Everything wrong with a config, one line per problem; str() is those lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


MAX_DAY_RANGE = 62  # days in one "from..to" entry: a holiday run, not a season


def _days(value: Any) -> tuple[date, ...]:
    """A TOML list of dates: each a date (2027-02-05, quoted or not) or a range
    "2027-02-05..2027-02-11" (both ends included), in the order given, without repeats."""
    if not isinstance(value, list | tuple):
        raise problem('must be a list of dates, e.g. ["2027-01-01", "2027-02-05..2027-02-11"]')
    days: list[date] = []
    for item in value:
        if isinstance(item, date) and not isinstance(item, datetime):
            days.append(item)
            continue
        first, sep, last = item.partition("..") if isinstance(item, str) else ("", "", "")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if sep else start
        except ValueError:
            raise problem(
                f'must be dates like "2027-01-01" or ranges like "2027-02-05..2027-02-11", '
                f"not {item!r}"
            ) from None
        if not 0 <= (end - start).days < MAX_DAY_RANGE:
            raise problem(f"{item!r}: a range runs forward and covers at most {MAX_DAY_RANGE} days")
        days += [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return tuple(dict.fromkeys(days))


Days = Annotated[tuple[date, ...], BeforeValidator(_days)]


class BotSection(Section):
    # unset: UTC, except for a workspace whose platform says where it works (a platform
    # served only in mainland China: Asia/Shanghai); language, currency and holidays follow it
    timezone: str | None = None
    # unset: the zone's language and currency (zh_CN and CNY in a mainland-China zone, else
    # en and USD; CNY for zh_CN anywhere): a team in Asia/Shanghai needs neither
    locale: Literal["en", "zh_CN"] | None = None
    currency: Currency | None = None
    day_start: Clock = time(9, 0)
    day_end: Clock = time(18, 0)
    # "auto": mainland China's official calendar in a mainland-China zone, else weekends only
    holidays: Literal["auto", "none", "CN"] = "auto"
    # the admin's own days off and working days ("2027-02-05" or "2027-02-05..2027-02-11"),
    # e.g. the State Council's schedule for a year the holidays package does not know yet
    extra_holidays: Days = ()
    extra_workdays: Days = ()
    max_message_chars: Annotated[int, Strict(), between(100, 40000)] = 4000

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise problem(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _day_order(self) -> BotSection:
        if self.day_end <= self.day_start:
            raise problem(f"must be later than day_start ({self.day_start:%H:%M})", key="day_end")
        if both := sorted(set(self.extra_holidays) & set(self.extra_workdays)):
            raise problem(
                f"{both[0]} is also in extra_holidays; a day is one or the other",
                key="extra_workdays",
            )
        return self


class CalendarSection(Section):
    # the country whose public holidays are days off (ISO 3166 code, e.g. "US"); unset: the
    # country of each tenant's time zone (zone.tab), with [bot] holidays = "auto"
    country: Country | None = None


class CurrencySection(Section):
    # what one unit of another currency is worth in `base` (unset: each tenant's currency),
    # e.g. rates = { EUR = 7.8 }: sums over deals in several currencies are added up in one at
    # these rates, and the reply says so; a currency without a rate is summed on its own
    base: Currency | None = None
    rates: dict[Currency, PositiveFloat] = Field(default_factory=dict)

    def runtime(self) -> Rates:
        return Rates({c: Decimal(str(r)) for c, r in self.rates.items()}, self.base)


class RulesSection(Section):
    digest_at: Clock = time(9, 0)
    minutes_prompt_after_min: PositiveInt = 30
    minutes_escalate_after_h: PositiveInt = 24
    question_alert_after_wh: PositiveFloat = 2.0
    question_escalate_after_wh: PositiveFloat = 4.0
    confirm_remind_after_wd: PositiveInt = 1

    @model_validator(mode="after")
    def _escalate_later(self) -> RulesSection:
        alert = self.question_alert_after_wh
        if self.question_escalate_after_wh <= alert:
            raise problem(
                f"must be greater than question_alert_after_wh ({alert:g})",
                key="question_escalate_after_wh",
            )
        return self


class Config(Section):
    database: DatabaseSection = Field(default_factory=DatabaseSection)
    bot: BotSection = Field(default_factory=BotSection)
    calendar: CalendarSection = Field(default_factory=CalendarSection)
    currency: CurrencySection = Field(default_factory=CurrencySection)
    rules: RulesSection = Field(default_factory=RulesSection)
    pipeline: PipelineSection = Field(default_factory=PipelineSection)
    approvals: ApprovalsSection = Field(default_factory=ApprovalsSection)
    payments: PaymentsSection = Field(default_factory=PaymentsSection)
    quiet: QuietSection = Field(default_factory=QuietSection)
    forecast: ForecastSection = Field(default_factory=ForecastSection)
    review: ReviewSection = Field(default_factory=ReviewSection)
    server: ServerSection = Field(default_factory=ServerSection)
    outbox: OutboxSection = Field(default_factory=OutboxSection)
    scheduler: SchedulerSection = Field(default_factory=SchedulerSection)
    inbox: InboxSection = Field(default_factory=InboxSection)
    retention: RetentionSection = Field(default_factory=RetentionSection)
    # a table per chat platform joins through `model_for` (None: not configured)

    @model_validator(mode="after")
    def _one_calendar(self) -> Config:
        if self.calendar.country and self.bot.holidays != "auto":
            raise problem(
                f'[bot] holidays = "{self.bot.holidays}" already chooses the calendar; '
                'remove one of them (holidays = "auto" follows country)',
                key="calendar.country",
            )
        return self

    @model_validator(mode="after")
    def _rates_for_the_stages(self) -> Config:
        # the stages are the pipeline's, configured in another table
        found = self.forecast.problem(self.pipeline.runtime())
        if found:
            raise problem(found[1], key=found[0])
        return self

    @property
    def platforms(self) -> list[str]:
        """The names of the configured chat platforms, in registry order."""
        names = [n for n, f in type(self).model_fields.items() if _is_platform(f.metadata)]
        return [name for name in names if getattr(self, name) is not None]

    def section(self, name: str) -> Section | None:
        return getattr(self, name, None)

    def notes(self) -> list[str]:
        """Keys that still work (or are ignored) but should go: check-config and serve say so."""
        return self.retention.notes(self.inbox) + lease_notes(self.outbox, self.inbox)

    def settings(self) -> Settings:
        bot = self.bot
        return Settings(
            timezone=bot.timezone or "UTC",
            zone_configured=bot.timezone is not None,
            locale=bot.locale or "",
            currency=bot.currency,
            day_start=bot.day_start,
            day_end=bot.day_end,
            holidays=None if bot.holidays == "none" else bot.holidays,
            extra_holidays=frozenset(bot.extra_holidays),
            extra_workdays=frozenset(bot.extra_workdays),
            country=self.calendar.country,
            pipeline=self.pipeline.runtime(),
            rules=Rules(**self.rules.model_dump()),
            max_message_chars=bot.max_message_chars,
            rates=self.currency.runtime(),
            approvals=self.approvals.runtime(),
            payments=self.payments.runtime(),
            quiet=self.quiet.runtime(),
            forecast=self.forecast.runtime(),
            review=self.review.runtime(),
        )


Platforms = Mapping[str, type[Section]]  # a platform's name → its table (from the registry)


class _PlatformSlot:
    """Marks a Config field as a platform's table."""


def _is_platform(metadata: list[Any]) -> bool:
    return any(isinstance(m, _PlatformSlot) for m in metadata)


def model_for(platforms: Platforms) -> type[Config]:
    """The Config with a table for each platform; the composition root passes the registry's."""
    return _model(tuple(platforms.items())) if platforms else Config


@functools.cache
def _model(platforms: tuple[tuple[str, type[Section]], ...]) -> type[Config]:
    fields: dict[str, Any] = {
        name: (Annotated[section | None, _PlatformSlot()], None) for name, section in platforms
    }
    return create_model("Config", __base__=Config, **fields)


def load_config(
    path: str | Path | None,
    env: Mapping[str, str] | None = None,
    platforms: Platforms | None = None,
) -> Config:
    """The file at `path` (None: defaults only), overridden by `env` (default os.environ).

    Raises ConfigError listing every problem found.
    """
    platforms = platforms or {}
    model = model_for(platforms)
    raw, problems = read_toml(Path(path)) if path is not None else ({}, [])
    if problems:
        raise ConfigError(problems)
    sources, env_problems = config_env.apply(raw, os.environ if env is None else env, model)
    try:
        config = model.model_validate(raw)
    except ValidationError as e:
        errors = e.errors(include_url=False)
    else:
        if not env_problems:
            return config
        errors = []
    # raised outside the except block: no chained ValidationError (its text may quote secrets)
    lines = [line for err in errors for line in problem_lines(err, sources, model, platforms)]
    raise ConfigError(list(dict.fromkeys(env_problems + lines)))


def sources(
    path: str | Path | None,
    env: Mapping[str, str] | None = None,
    platforms: Platforms | None = None,
) -> list[str]:
    """Where each key's value comes from, one line a key (`dealbot check-config --sources`);
    secrets hidden. Raises ConfigError as load_config does."""
    config = load_config(path, env, platforms)
    raw = read_toml(Path(path))[0] if path is not None else {}
    env_raw: dict[str, Any] = {}
    found, _ = config_env.apply(env_raw, os.environ if env is None else env, type(config))
    return config_env.sources(config, raw, found)


def check_config(
    path: str | Path | None,
    env: Mapping[str, str] | None = None,
    platforms: Platforms | None = None,
) -> list[str]:
    """[] when the config is fine, else one line per problem (for `dealbot check-config`)."""
    try:
        load_config(path, env, platforms)
    except ConfigError as e:
        return e.problems
    return []
