"""How deals flowed through the pipeline's stages in a span of time, read from the audit log
(bot/audit.py: every stage change is an entry with the deal's state before and after).

Definitions, as the weekly review (bot/review.py) shows them:
- A deal *leaves* stage S when an entry moves it from S to another stage. It leaves
  *forward* when it goes to a later open stage or is won, *back* when it goes to an earlier
  stage, and *lost* when it is lost.
- *Conversion* of S in a span: of the deals that left S in the span, the share that left
  forward. Counted on leaving, not on entering: a week is shorter than most stages, so "of
  those that entered S this week" would be near nothing for every stage; a deal still sitting
  in S is not counted.
- *Days in stage* of S in a span: the mean, over the deals that left S in the span, of the
  calendar days (weekends and holidays included, to the hour) from the deal's last entry into
  S to its leaving.
The span is the owner's at the move: a deal moved by another team counts for that team.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.pipeline import Pipeline, Stage
from storage.models import AuditEntry

# the entries that may change a deal's stage (new: enters the first; import: any)
MOVES = ("deal.new", "deal.stage", "deal.won", "deal.lost", "deal.import")
TRAILING_WEEKS = 8


@dataclass(kw_only=True)
class Tally:
    """The leavings of one stage in one span."""

    forward: int = 0
    back: int = 0
    lost: int = 0
    days: list[float] = field(default_factory=list)  # per leaving whose entry is known

    @property
    def left(self) -> int:
        return self.forward + self.back + self.lost

    @property
    def conversion(self) -> int | None:
        """Percent of the leavings that went forward, rounded; None when none left."""
        if not self.left:
            return None
        return int((Decimal(100 * self.forward) / self.left).quantize(Decimal(1), ROUND_HALF_UP))

    @property
    def mean_days(self) -> Decimal | None:
        """Mean calendar days in the stage before leaving, one decimal; None when unknown."""
        if not self.days:
            return None
        mean = Decimal(str(sum(self.days) / len(self.days)))
        return mean.quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(kw_only=True)
class StageFlow:
    stage: Stage
    week: Tally
    trailing: Tally  # the TRAILING_WEEKS before the week, pooled


@dataclass(frozen=True)
class _Move:
    deal: str  # the entry's subject, deal:<id>
    at: datetime
    src: str | None
    dst: str
    owner: int | None


def flow(
    session: Session,
    *,
    tenant_id: int,
    people: Collection[int] | None,
    pipeline: Pipeline,
    start: datetime,
    end: datetime,
) -> list[StageFlow]:
    """Each open stage's leavings in [start, end) and in the TRAILING_WEEKS before it, of
    the deals owned by `people` (None: everyone) when they moved."""
    since = start - timedelta(weeks=TRAILING_WEEKS)
    span = _moves(
        session, AuditEntry.at >= since, AuditEntry.at < end, tenant_id=tenant_id, by_tenant=True
    )
    # a deal that left a stage in the span may have entered it before: its earlier entries,
    # read per customer (ix_audit_customer_at) for those deals only
    customers = {c for c, m in span if m.src is not None}
    earlier = (
        _moves(session, AuditEntry.at < since, tenant_id=tenant_id, customers=customers)
        if customers
        else []
    )
    week = {s.key: Tally() for s in pipeline.open_stages}
    trailing = {s.key: Tally() for s in pipeline.open_stages}
    entered: dict[tuple[str, str], datetime] = {}
    for _, move in [*earlier, *span]:
        counted = people is None or move.owner in people
        if move.src and move.at >= since and move.src in week and counted:
            tally = (week if move.at >= start else trailing)[move.src]
            _count(tally, move, pipeline, entered.get((move.deal, move.src)))
        entered[(move.deal, move.dst)] = move.at
    return [
        StageFlow(stage=s, week=week[s.key], trailing=trailing[s.key]) for s in pipeline.open_stages
    ]


def _count(tally: Tally, move: _Move, pipeline: Pipeline, since: datetime | None) -> None:
    if move.dst == "lost":
        tally.lost += 1
    elif move.dst == "won" or _after(pipeline, move.dst, move.src or ""):
        tally.forward += 1
    else:
        tally.back += 1
    if since is not None:
        tally.days.append((move.at - since).total_seconds() / 86400)


def _after(pipeline: Pipeline, dst: str, src: str) -> bool:
    try:
        return pipeline.index(dst) > pipeline.index(src)
    except StopIteration:  # a stage the pipeline no longer has: not forward
        return False


def _moves(
    session: Session,
    *where: Any,
    tenant_id: int,
    by_tenant: bool = False,
    customers: Iterable[int] = (),
) -> list[tuple[int | None, _Move]]:
    """(customer id, move) of each entry that changed a deal's stage, oldest first."""
    query = select(AuditEntry.customer_id, AuditEntry.subject, AuditEntry.at, AuditEntry.detail)
    query = query.where(AuditEntry.tenant_id == tenant_id, AuditEntry.action.in_(MOVES), *where)
    if not by_tenant:
        query = query.where(AuditEntry.customer_id.in_(sorted(customers)))
    found = []
    for customer_id, subject, at, detail in session.execute(
        query.order_by(AuditEntry.at, AuditEntry.id)
    ):
        before, after = _side(detail, "before"), _side(detail, "after")
        src, dst = before.get("stage"), after.get("stage")
        if isinstance(dst, str) and dst != src:
            owner = after.get("owner_id")
            found.append(
                (
                    customer_id,
                    _Move(
                        deal=subject,
                        at=at,
                        src=src if isinstance(src, str) else None,
                        dst=dst,
                        owner=owner if isinstance(owner, int) else None,
                    ),
                )
            )
    return found


def _side(detail: Any, key: str) -> dict[str, Any]:
    side = (detail or {}).get(key) if isinstance(detail, dict) else None
    return side if isinstance(side, dict) else {}
