"""The [pipeline] table: its stages, each with its names, staleness and checklist, checked as a
whole (a first stage that is open, closed won and lost, no name used twice), and turned into
the runtime Pipeline (bot/pipeline.py). Part of the config file (bot/config.py)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Strict, field_validator, model_validator

from bot.config_types import PositiveInt, Section, Text, problem
from bot.pipeline import (
    DEFAULT_CHECKLISTS,
    DEFAULT_STAGES,
    DEFAULT_STUCK_AFTER_DAYS,
    ChecklistItem,
    Pipeline,
    Stage,
)


def _stage_key(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
        raise problem(
            f"must be lower-case letters, digits and _, starting with a letter: {value!r}"
        )
    return value


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
    aliases: tuple[Text, ...] = ()  # other names: another CRM's stage names (dealbot import)

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
            aliases=tuple(self.aliases),
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
        names = (stage.key, stage.en, stage.zh_CN, *stage.aliases)
        for name in dict.fromkeys(n.casefold() for n in names if n):
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

    def runtime(self) -> Pipeline:
        stuck = self.stuck_after_days
        if self.stages is None:
            return Pipeline(DEFAULT_STAGES, stuck_after_days=stuck)
        return Pipeline(tuple(s.stage() for s in self.stages), stuck_after_days=stuck)
