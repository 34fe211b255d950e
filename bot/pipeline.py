"""Pipeline stages: names in both languages, how long a deal may sit, what a stage requires."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Stage:
    key: str
    names: dict[str, str]  # locale → display name
    stale_after_days: int | None  # None: never stale (closed stages)
    requires: tuple[str, ...] = ()  # deal fields that must be set before entering
    closed: bool = False

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names.get("en") or self.key


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage(key="lead", names={"en": "lead", "zh_CN": "首次联系"}, stale_after_days=7),
    Stage(key="qualify", names={"en": "qualify", "zh_CN": "需求确认"}, stale_after_days=5),
    Stage(key="proposal", names={"en": "proposal", "zh_CN": "方案递交"}, stale_after_days=3),
    Stage(
        key="quote",
        names={"en": "quote", "zh_CN": "报价跟进"},
        stale_after_days=3,
        requires=("amount",),
    ),
    Stage(
        key="negotiate",
        names={"en": "negotiate", "zh_CN": "签约前沟通"},
        stale_after_days=2,
        requires=("amount",),
    ),
    Stage(key="won", names={"en": "won", "zh_CN": "赢单"}, stale_after_days=None, closed=True),
    Stage(key="lost", names={"en": "lost", "zh_CN": "输单"}, stale_after_days=None, closed=True),
)


class Pipeline:
    def __init__(self, stages: tuple[Stage, ...] = DEFAULT_STAGES) -> None:
        self.stages = stages
        self._by_name: dict[str, Stage] = {}
        for stage in stages:
            for name in (stage.key, *stage.names.values()):
                self._by_name[name.casefold()] = stage

    @property
    def first(self) -> Stage:
        return self.stages[0]

    def get(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)

    def find(self, name: str) -> Stage | None:
        """By key or any display name; an unambiguous prefix also counts."""
        folded = name.strip().casefold()
        if folded in self._by_name:
            return self._by_name[folded]
        hits = (
            {s.key: s for n, s in self._by_name.items() if n.startswith(folded)} if folded else {}
        )
        return next(iter(hits.values())) if len(hits) == 1 else None

    @property
    def open_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if not s.closed)
