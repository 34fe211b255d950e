"""The [approvals] rules: who decides a quote or a discount, and when they are reminded and
passed over. Plain values (bot/config_service.py reads them from TOML; tests build them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, kw_only=True)
class Band:
    """A request past `discount_over` percent or `amount_over` (in the quote's currency) goes to
    `approver`: "manager" (the rep's), "admin", or a person's name as the team knows them."""

    approver: str
    discount_over: Decimal | None = None
    amount_over: Decimal | None = None

    def matches(self, amount: Decimal | None, discount: Decimal | None) -> bool:
        over_discount = (
            self.discount_over is not None
            and discount is not None
            and discount > self.discount_over
        )
        over_amount = (
            self.amount_over is not None and amount is not None and amount > self.amount_over
        )
        return over_discount or over_amount


# a discount beyond 20 % is an admin's to give; anything else the rep's manager's
DEFAULT_BANDS = (Band(approver="admin", discount_over=Decimal(20)),)


@dataclass(frozen=True, kw_only=True)
class ApprovalRules:
    remind_after_hours: float = 4.0  # working hours waiting on an approver → remind them
    escalate_after_hours: float = 8.0  # … → the next level (their manager, else an admin)
    bands: tuple[Band, ...] = DEFAULT_BANDS  # the first that matches names the approver
