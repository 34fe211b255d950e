"""The config file: TOML → validated sections (pydantic) → the runtime Settings.

`load_config` reports every problem at once, one line each ("<dotted.key>: <problem>"), so
`dealbot check-config` can print them; unknown keys are errors, so typos are caught. Every key
of a platform table, and the database URL, can come from the environment instead
(DEALBOT_<SECTION>_<KEY>); the environment wins over the file, and an empty variable counts as
unset. config.example.toml documents every key.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    Strict,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from bot.config_service import (
    ApprovalsSection,
    DatabaseSection,
    InboxSection,
    OutboxSection,
    PaymentsSection,
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
    Text,
    between,
    env_name,
    problem,
    problem_lines,
    read_toml,
)
from bot.money import Rates
from bot.pipeline import (
    DEFAULT_CHECKLISTS,
    DEFAULT_STAGES,
    DEFAULT_STUCK_AFTER_DAYS,
    ChecklistItem,
    Stage,
)
from bot.pipeline import Pipeline as RuntimePipeline
from bot.settings import Rules, Settings

DATABASE_URL_ENV = "DEALBOT_DATABASE_URL"


class ConfigError(Exception):
    """Everything wrong with a config, one line per problem; str() is those lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _stage_key(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
        raise problem(
            f"must be lower-case letters, digits and _, starting with a letter: {value!r}"
        )
    return value


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


class ChecklistItemSection(Section):
    """One item of a stage's checklist ([[pipeline.stages.checklist]])."""

    en: Text
    zh_CN: Text | None = None  # default: the English words
    key: Annotated[str, AfterValidator(_stage_key)] | None = None  # default: item<n>
    required: Annotated[bool, Strict()] = False
    done_when: Literal["approved_quote"] | None = None  # true by itself when this holds

    def item(self, n: int) -> ChecklistItem:
        names = {"en": self.en} | ({"zh_CN": self.zh_CN} if self.zh_CN else {})
        return ChecklistItem(
            key=self.key or f"item{n}", names=names, required=self.required, fact=self.done_when
        )


class StageSection(Section):
    key: Annotated[str, AfterValidator(_stage_key)]
    en: Text | None = None  # default: the key
    zh_CN: Text | None = None  # default: the English name
    stale_after_days: PositiveInt | None = None
    requires: tuple[Literal["amount"], ...] = ()
    closed: Annotated[bool, Strict()] = False
    # None: the default checklist of a default stage's key (bot/pipeline.py), else none
    checklist: list[ChecklistItemSection] | None = None
    stuck_after_days: PositiveInt | None = None  # default: [pipeline] stuck_after_days

    @model_validator(mode="after")
    def _staleness(self) -> StageSection:
        if not self.closed and self.stale_after_days is None:
            raise problem("required for an open stage", key="stale_after_days")
        if self.closed and self.stale_after_days is not None:
            raise problem("closed stages never go stale; leave it out", key="stale_after_days")
        if self.closed and self.checklist:
            raise problem("a closed stage is never left, so it has no checklist", key="checklist")
        keys = [item.key for item in self.checklist or () if item.key]
        if len(keys) != len(set(keys)):
            raise problem("two items of one checklist have the same key", key="checklist")
        return self

    def stage(self) -> Stage:
        names = {"en": self.en or self.key} | ({"zh_CN": self.zh_CN} if self.zh_CN else {})
        return Stage(
            key=self.key,
            names=names,
            stale_after_days=self.stale_after_days,
            requires=tuple(dict.fromkeys(self.requires)),
            closed=self.closed,
            checklist=(
                DEFAULT_CHECKLISTS.get(self.key, ())
                if self.checklist is None
                else tuple(item.item(n) for n, item in enumerate(self.checklist, 1))
            ),
            stuck_after_days=self.stuck_after_days,
        )


def _stage_problems(stages: list[StageSection]) -> list[str]:
    found = []
    if not stages or stages[0].closed:
        found.append("the first stage is where new deals start, so it must be open")
    keys = [s.key for s in stages]
    found += [
        f"key {k!r} is used by more than one stage"
        for k in dict.fromkeys(keys)
        if keys.count(k) > 1
    ]
    owner: dict[str, StageSection] = {}
    for stage in stages:
        for name in dict.fromkeys(n.casefold() for n in (stage.key, stage.en, stage.zh_CN) if n):
            other = owner.setdefault(name, stage)
            if other.key != stage.key:
                found.append(f"name {name!r} is used by stages {other.key!r} and {stage.key!r}")
    for key in ("won", "lost"):
        hit = next((s for s in stages if s.key == key), None)
        if hit is None:
            found.append(f"needs a closed stage with key {key!r}")
        elif not hit.closed:
            found.append(f"stage {key!r} must have closed = true")
    extra = [repr(s.key) for s in stages if s.closed and s.key not in ("won", "lost")]
    if extra:
        found.append(f"only 'won' and 'lost' can be closed, not {', '.join(extra)}")
    return found


class PipelineSection(Section):
    stages: list[StageSection] | None = None  # None: bot.pipeline.DEFAULT_STAGES
    # working days a deal may sit in a stage with a required checklist item open before the
    # manager's digest names it (a stage's own stuck_after_days wins)
    stuck_after_days: PositiveInt = DEFAULT_STUCK_AFTER_DAYS

    @field_validator("stages")
    @classmethod
    def _coherent(cls, stages: list[StageSection] | None) -> list[StageSection] | None:
        if stages is not None and (found := _stage_problems(stages)):
            raise problem(*found)
        return stages

    def runtime(self) -> RuntimePipeline:
        stuck = self.stuck_after_days
        if self.stages is None:
            return RuntimePipeline(DEFAULT_STAGES, stuck_after_days=stuck)
        return RuntimePipeline(tuple(s.stage() for s in self.stages), stuck_after_days=stuck)


class Config(Section):
    database: DatabaseSection = Field(default_factory=DatabaseSection)
    bot: BotSection = Field(default_factory=BotSection)
    calendar: CalendarSection = Field(default_factory=CalendarSection)
    currency: CurrencySection = Field(default_factory=CurrencySection)
    rules: RulesSection = Field(default_factory=RulesSection)
    pipeline: PipelineSection = Field(default_factory=PipelineSection)
    approvals: ApprovalsSection = Field(default_factory=ApprovalsSection)
    payments: PaymentsSection = Field(default_factory=PaymentsSection)
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
    sources = _apply_env(raw, os.environ if env is None else env, platforms)
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        errors = e.errors(include_url=False)
    # raised outside the except block: no chained ValidationError (its text may quote secrets)
    raise ConfigError(
        list(
            dict.fromkeys(
                line for err in errors for line in problem_lines(err, sources, model, platforms)
            )
        )
    )


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


def _apply_env(
    raw: dict[str, Any], env: Mapping[str, str], platforms: Platforms
) -> dict[tuple[str, str], str]:
    """Copy DEALBOT_* variables into the parsed file; returns (section, key) → variable."""
    wanted = [("database", "url", DATABASE_URL_ENV)] + [
        (name, key, env_name(name, key))
        for name, model in platforms.items()
        for key in model.model_fields
    ]
    sources = {}
    for section, key, var in wanted:
        if env.get(var) and isinstance(table := raw.setdefault(section, {}), dict):
            table[key] = env[var]
            sources[section, key] = var
    return sources
