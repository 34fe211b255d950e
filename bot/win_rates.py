"""Each open stage's win rate, measured from a team's own closed deals where there are enough,
else the configured default ([forecast], bot/forecast_rules.py), saying which and why.

The rate of stage S: of the team's deals closed (won or lost) in the last `history_months`
that reached S, the share that was won. A won deal reached every open stage (it passed them
all to be won); a lost deal reached the furthest open stage the audit log shows it in (bot/
audit.py keeps every stage change with the state before and after) and every stage before
that one; a lost deal with no such entry reached the first stage. Below `min_closed_deals`
deals that reached S, one lucky or unlucky deal would swing the rate, so the default holds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.forecast_rules import ForecastRules
from bot.pipeline import Pipeline
from storage.models import AuditEntry, Deal

# the audit entries that put a deal in a stage (new: the first; import: any)
MOVES = ("deal.new", "deal.stage", "deal.won", "deal.lost", "deal.import")
CHUNK = 500  # deals asked about at once: bound parameters stay well under every driver's limit


@dataclass(frozen=True, kw_only=True)
class StageRate:
    stage: str  # its key
    rate: Decimal | None  # 0..1; None: neither measured nor configured (its deals weigh 0)
    measured: bool  # True: the team's own; False: the default
    won: int  # closed deals that reached the stage and were won
    reached: int  # closed deals that reached the stage


def win_rates(
    session: Session,
    *,
    tenant_id: int,
    owners: Collection[int] | None,
    now: datetime,
    pipeline: Pipeline,
    rules: ForecastRules,
) -> dict[str, StageRate]:
    """Stage key → its rate, for the deals owned by `owners` (None: the whole tenant)."""
    since = now - timedelta(days=round(rules.history_months * 365.25 / 12))
    query = select(Deal.id, Deal.customer_id, Deal.status).where(
        Deal.tenant_id == tenant_id,
        Deal.status.in_(("won", "lost")),
        Deal.closed_at >= since,
        Deal.closed_at <= now,
    )
    if owners is not None:
        query = query.where(Deal.owner_id.in_(sorted(owners)))
    closed = session.execute(query).all()
    lost = [(d, c) for d, c, status in closed if status == "lost"]
    won = len(closed) - len(lost)
    stages = pipeline.open_stages
    order = {s.key: n for n, s in enumerate(stages)}
    furthest = _furthest(session, tenant_id, lost, order)
    out = {}
    for n, stage in enumerate(stages):
        reached = won + sum(1 for deal, _ in lost if furthest.get(deal, 0) >= n)
        measured = reached >= rules.min_closed_deals
        rate = Decimal(won) / reached if measured else rules.win_rates.get(stage.key)
        out[stage.key] = StageRate(
            stage=stage.key, rate=rate, measured=measured, won=won, reached=reached
        )
    return out


def _furthest(
    session: Session, tenant_id: int, deals: list[tuple[int, int]], order: dict[str, int]
) -> dict[int, int]:
    """Deal id → the index of the furthest open stage its audit entries show it in."""
    out: dict[int, int] = {}
    for n in range(0, len(deals), CHUNK):
        part = deals[n : n + CHUNK]
        subjects = [f"deal:{d}" for d, _ in part]
        rows = session.execute(
            select(AuditEntry.subject, AuditEntry.detail).where(
                AuditEntry.tenant_id == tenant_id,
                AuditEntry.customer_id.in_(sorted({c for _, c in part})),  # its index
                AuditEntry.subject.in_(subjects),
                AuditEntry.action.in_(MOVES),
            )
        )
        for subject, detail in rows:
            deal = int(subject.partition(":")[2])
            for stage in _stages(detail):
                if stage in order:
                    out[deal] = max(out.get(deal, 0), order[stage])
    return out


def _stages(detail: Any) -> Iterable[str]:
    for side in ("before", "after"):
        state = detail.get(side) if isinstance(detail, dict) else None
        if isinstance(state, dict) and isinstance(state.get("stage"), str):
            yield state["stage"]
