"""The payment plans' rule ([payments] in the config): how many working days before a step's
due day its owner is reminded (and again on the day)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class PaymentRules:
    remind_days_before: int = 3  # working days; 0: only on the due day
