"""Quote and discount approvals: the request, the decision, its clock, reminders, escalation."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.approvals import approved_quote
from storage.models import Approval, Deal
from tests.chat import Chat


def test_approved_quote_is_true_only_once_an_approval_of_the_deal_is_approved(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    chat.say("boss", "/help")
    chat.say("alice", "/deal Acme new 40 seats 120k")
    with sessions.begin() as s:
        deal = s.scalars(select(Deal)).one()
        at = datetime(2026, 11, 30, 10, tzinfo=UTC)
        row = Approval(
            tenant_id=deal.tenant_id,
            deal_id=deal.id,
            customer_id=deal.customer_id,
            status="pending",
            requested_at=at,
            waiting_since=at,
        )
        s.add(row)
        s.flush()
        assert approved_quote(s, deal.id) is False
        row.status = "rejected"
        s.flush()
        assert approved_quote(s, deal.id) is False
        row.status = "approved"
        s.flush()
        assert approved_quote(s, deal.id) is True
