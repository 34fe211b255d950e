"""Targets against actuals as a Chart: per rep, each metric that has a goal (calls, visits,
meetings, new deals, won, collected), for /progress. The numbers are the ones the text was written from: the caller
hands over what it counted, nothing is asked of the store here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.outcome import Attachment, Chart, ChartSeries

METRICS = ("calls", "visits", "meetings", "new_deals", "won", "collected")  # the panels' order
MONEY = ("won", "collected")


@dataclass(frozen=True, kw_only=True)
class RepNumbers:
    """One rep's actuals and goals in a period, by metric key (a missing goal: none set)."""

    name: str  # the rep's display name: a picture cannot mention anyone
    actual: dict[str, Decimal]
    goal: dict[str, Decimal | None]


def targets(
    reps: Sequence[RepNumbers],
    *,
    say: Callable[..., str],
    locale: str,
    period: str,
    currency: str,
    title_name: str,
) -> Chart | None:
    """The chart, or None when no rep has any goal (nothing to measure against)."""
    shown = [m for m in METRICS if any(_goal(r, m) > 0 for r in reps)]
    if not shown:
        return None
    series = []
    for metric in shown:
        money = currency if metric in MONEY else None
        notes = tuple(
            say(
                "charts.target_note",
                actual=r.actual.get(metric, Decimal(0)),
                goal=_goal(r, metric),
                currency=money,
            )
            if _goal(r, metric) > 0
            else ""
            for r in reps
        )
        series.append(
            ChartSeries(
                name=say("charts.metric", name=metric),
                key=metric,
                values=tuple(float(r.actual.get(metric, 0)) for r in reps),
                goals=tuple(float(_goal(r, metric)) for r in reps),
                notes=notes,
            )
        )
    return Chart(
        kind="targets",
        title=say("charts.targets_title", name=title_name, period=period),
        labels=tuple(r.name for r in reps),
        series=tuple(series),
        unit=currency,
        locale=locale,
        axis=say("charts.percent_axis"),
    )


def attachment(chart: Chart) -> Attachment:
    return Attachment(name="targets.png", title=chart.title, chart=chart)


def _goal(rep: RepNumbers, metric: str) -> Decimal:
    return rep.goal.get(metric) or Decimal(0)
