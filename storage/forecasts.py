"""What a forecast said when a period began (issue 22): the first /forecast of a period saves,
for each rep it covers, the wins so far and the weighted pipeline, per currency, so that once
the period is over its forecast can be set against what was won. Same rules as
storage/models.py: every row belongs to a tenant, times are UTC. Migration 0026."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, tenant_fk


class ForecastSnapshot(Base):
    """One rep's forecast of one period in one currency, as first shown: only the first is
    kept, so a forecast cannot be improved by asking again once the period is under way."""

    __tablename__ = "forecast_snapshots"
    __table_args__ = (
        UniqueConstraint("tenant_id", "period", "person_id", "currency", name="uq_forecast_once"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    period: Mapped[str] = mapped_column(String(10))  # 2026-Q4 or 2026-12
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    won: Mapped[Decimal] = mapped_column(Numeric(16, 2))  # already won in the period then
    weighted: Mapped[Decimal] = mapped_column(Numeric(16, 2))  # Σ amount × the stage's rate
    taken_at: Mapped[datetime]
