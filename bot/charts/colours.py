"""The colours of charts, fixed so that a stage or a metric is the same colour in every chart,
on every platform (the PNG here, a platform's own chart element in its adapter)."""

from __future__ import annotations

# One per stage, by the stage's position in the configured pipeline: a funnel always carries
# every open stage in pipeline order, so a label's position is its stage's. Ten colours that
# stay apart for colour-blind readers (Tableau 10); a longer pipeline starts over.
STAGE_PALETTE = (
    "#4E79A7",
    "#F28E2B",
    "#59A14F",
    "#B07AA1",
    "#EDC948",
    "#76B7B2",
    "#E15759",
    "#9C755F",
    "#FF9DA7",
    "#BAB0AC",
)

# One per target metric, by its key; another metric takes the grey.
METRIC_COLOURS = {
    "calls": "#4E79A7",
    "visits": "#59A14F",
    "won": "#F28E2B",
    "collected": "#B07AA1",
}
OTHER = "#9C9C9C"
GOAL_LINE = "#555555"
INK = "#333333"  # the words


def stage_colour(position: int) -> str:
    return STAGE_PALETTE[position % len(STAGE_PALETTE)]


def metric_colour(key: str) -> str:
    return METRIC_COLOURS.get(key, OTHER)
