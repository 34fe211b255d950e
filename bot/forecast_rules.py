"""The forecast's rules ([forecast] in the config): the win rate assumed for each open stage
until the team has closed enough deals to measure its own, how many that is, and how far back
closed deals count."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

DEFAULT_WIN_RATES: Mapping[str, Decimal] = {
    "lead": Decimal("0.1"),
    "qualify": Decimal("0.2"),
    "proposal": Decimal("0.4"),
    "quote": Decimal("0.6"),
    "negotiate": Decimal("0.8"),
}


@dataclass(frozen=True, kw_only=True)
class ForecastRules:
    # a stage's share of deals won, assumed (0 to 1) while the team's own is not measured
    win_rates: Mapping[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_WIN_RATES))
    # closed deals that reached a stage before the team's own rate replaces the default: fewer
    # would make one lucky or unlucky deal swing the whole forecast
    min_closed_deals: int = 10
    history_months: int = 12  # closed deals of the last this many months count
