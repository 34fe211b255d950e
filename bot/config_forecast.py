"""[forecast] in the config file: the default win rate of each open stage, and the history a
team needs before its own rates are used (bot/forecast_rules.py is what runs)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, Strict

from bot.config_types import PositiveInt, Section, between
from bot.forecast_rules import DEFAULT_WIN_RATES, ForecastRules
from bot.pipeline import Pipeline

Rate = Annotated[float, Strict(), Field(allow_inf_nan=False)]


class ForecastSection(Section):
    # stage key → the share of its deals won (0 to 1), assumed until the team's own is measured
    win_rates: dict[str, Rate] = Field(
        default_factory=lambda: {k: float(v) for k, v in DEFAULT_WIN_RATES.items()}
    )
    min_closed_deals: PositiveInt = 10
    history_months: Annotated[int, Strict(), between(1, 120)] = 12

    def problem(self, pipeline: Pipeline) -> tuple[str, str] | None:
        """The first thing wrong with the rates against the pipeline's stages, as (its key,
        the problem), when they are written out: a rate out of range, a rate for no open
        stage, an open stage without one."""
        if "win_rates" not in self.model_fields_set:
            return None  # the defaults: a stage of another pipeline without one is told so
        open_keys = [s.key for s in pipeline.open_stages]
        for key, value in self.win_rates.items():
            if key not in open_keys:
                return (
                    f"forecast.win_rates.{key}",
                    f"not an open stage of the pipeline; the open stages are {', '.join(open_keys)}",
                )
            if not 0 <= value <= 1:
                return (
                    f"forecast.win_rates.{key}",
                    f"must be a share between 0 and 1 (0.4 is 40 %), not {value:g}",
                )
        missing = [k for k in open_keys if k not in self.win_rates]
        if missing:
            return "forecast.win_rates", f"no rate for the stage {', '.join(missing)}"
        return None

    def runtime(self) -> ForecastRules:
        return ForecastRules(
            win_rates={k: Decimal(str(v)) for k, v in self.win_rates.items()},
            min_closed_deals=self.min_closed_deals,
            history_months=self.history_months,
        )
