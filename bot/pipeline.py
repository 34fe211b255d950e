"""Pipeline stages: names in both languages, how long a deal may sit, what a stage requires,
and each stage's checklist (bot/checklists.py reads and ticks it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ChecklistItem:
    """One line of a stage's checklist. `key` is what a tick is stored under (stable when the
    words change); `required`: the deal cannot leave the stage forward while it is open;
    `fact`: it is true by itself when that fact holds (bot/checklists.py FACTS), not ticked."""

    key: str
    names: dict[str, str]  # locale → the item's words
    required: bool = False
    fact: str | None = None

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names.get("en") or self.key


def _item(
    key: str, en: str, zh: str, *, required: bool = False, fact: str | None = None
) -> ChecklistItem:
    return ChecklistItem(key=key, names={"en": en, "zh_CN": zh}, required=required, fact=fact)


# The default checklists: short, what a sales team checks at each stage. Only the quote (an
# approved quote) and the contract review before signing are required by default.
DEFAULT_CHECKLISTS: dict[str, tuple[ChecklistItem, ...]] = {
    "lead": (
        _item("contact", "Contact person and role noted", "联系人及职务已记录"),
        _item("need", "Need or pain point noted", "需求或痛点已记录"),
    ),
    "qualify": (
        _item("budget", "Budget confirmed", "预算已确认"),
        _item("decider", "Decision maker identified", "决策人已明确"),
        _item("timeline", "Purchase timeline known", "采购时间已了解"),
    ),
    "proposal": (
        _item("req_confirmed", "Requirements confirmed by the customer", "需求已与客户确认"),
        _item("proposal_sent", "Proposal sent", "方案已发送"),
    ),
    "quote": (
        _item(
            "approved_quote", "Quote approved", "报价已审批", required=True, fact="approved_quote"
        ),
        _item("quote_sent", "Quote sent to the customer", "报价已发给客户"),
    ),
    "negotiate": (
        _item("parties", "Parties' details checked", "主体信息核对", required=True),
        _item("payment_terms", "Payment terms", "付款条款", required=True),
        _item(
            "scope", "Delivery scope and acceptance criteria", "交付范围与验收标准", required=True
        ),
        _item("liability", "Liability and breach terms", "违约与责任条款", required=True),
        _item("attachments", "All attachments included", "附件齐全", required=True),
        _item("legal", "Legal review", "法务审核", required=True),
    ),
}

DEFAULT_STUCK_AFTER_DAYS = 3  # working days in a stage with a required item open → digest


@dataclass(frozen=True, kw_only=True)
class Stage:
    key: str
    names: dict[str, str]  # locale → display name
    stale_after_days: int | None  # None: never stale (closed stages)
    requires: tuple[str, ...] = ()  # deal fields that must be set before entering
    closed: bool = False
    checklist: tuple[ChecklistItem, ...] = ()
    # working days a deal may sit here with a required item open before the digest names it
    # (None: the pipeline's default)
    stuck_after_days: int | None = None
    # other names it goes by ([pipeline] aliases: another CRM's stage names, for /deal … stage
    # and dealbot import)
    aliases: tuple[str, ...] = ()

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names.get("en") or self.key


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage(
        key="lead",
        names={"en": "lead", "zh_CN": "首次联系"},
        stale_after_days=7,
        checklist=DEFAULT_CHECKLISTS["lead"],
    ),
    Stage(
        key="qualify",
        names={"en": "qualify", "zh_CN": "需求确认"},
        stale_after_days=5,
        checklist=DEFAULT_CHECKLISTS["qualify"],
    ),
    Stage(
        key="proposal",
        names={"en": "proposal", "zh_CN": "方案递交"},
        stale_after_days=3,
        checklist=DEFAULT_CHECKLISTS["proposal"],
    ),
    Stage(
        key="quote",
        names={"en": "quote", "zh_CN": "报价跟进"},
        stale_after_days=3,
        requires=("amount",),
        checklist=DEFAULT_CHECKLISTS["quote"],
    ),
    Stage(
        key="negotiate",
        names={"en": "negotiate", "zh_CN": "签约前沟通"},
        stale_after_days=2,
        requires=("amount",),
        checklist=DEFAULT_CHECKLISTS["negotiate"],
    ),
    Stage(key="won", names={"en": "won", "zh_CN": "赢单"}, stale_after_days=None, closed=True),
    Stage(key="lost", names={"en": "lost", "zh_CN": "输单"}, stale_after_days=None, closed=True),
)


class Pipeline:
    def __init__(
        self,
        stages: tuple[Stage, ...] = DEFAULT_STAGES,
        *,
        stuck_after_days: int = DEFAULT_STUCK_AFTER_DAYS,
    ) -> None:
        self.stages = stages
        self.stuck_after_days = stuck_after_days
        self._by_name: dict[str, Stage] = {}
        for stage in stages:
            for name in (stage.key, *stage.names.values(), *stage.aliases):
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

    def stuck_days(self, stage: Stage) -> int:
        """Working days a deal may sit in `stage` with a required item open."""
        return stage.stuck_after_days or self.stuck_after_days

    def index(self, key: str) -> int:
        return next(n for n, s in enumerate(self.stages) if s.key == key)
