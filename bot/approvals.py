"""Quote and discount approvals: who decides, and the clock from request to decision.

The command (bot/commands/approval.py) and the scheduled rule (bot/jobs/approvals.py) read and
write approvals through here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Approval


def approved_quote(session: Session, deal_id: int) -> bool:
    """True when the deal has an approved approval (a quote or discount signed off)."""
    return (
        session.scalar(
            select(Approval.id)
            .where(Approval.deal_id == deal_id, Approval.status == "approved")
            .limit(1)
        )
        is not None
    )
