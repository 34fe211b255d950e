"""A funnel drawn: one bar per stage in pipeline order, centred, as wide as its share of deals,
the stage's name at its left and its words (deals and amount, as the text says them) at its
right. Built with matplotlib's object API, never pyplot: the outbox draws from several threads.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from bot.charts.colours import INK, stage_colour
from bot.outcome import Chart

WIDTH_IN = 12.0  # 1200 px at DPI
ROW_IN = 0.6  # one stage's row
FRAME_IN = 1.1  # the title and the margins
THINNEST = 0.006  # a stage with no deal still shows where it is


def figure(chart: Chart, families: tuple[str, ...], dpi: int) -> Figure:
    deals = chart.series[0] if chart.series else None
    values = list(deals.values) if deals else [0.0] * len(chart.labels)
    notes = list(deals.notes) if deals and deals.notes else [""] * len(chart.labels)
    rows = max(len(chart.labels), 1)
    fig = Figure(figsize=(WIDTH_IN, FRAME_IN + ROW_IN * rows), dpi=dpi)
    text = FontProperties(family=list(families), size=13)
    ax = fig.add_axes((0.16, 0.04, 0.82, 1 - 0.04 - 0.75 / (FRAME_IN + ROW_IN * rows)))
    widest = max(values, default=0.0) or 1.0
    shares = [max(value / widest, THINNEST) for value in values]
    ax.barh(
        range(len(shares)),
        shares,
        left=[-share / 2 for share in shares],
        height=0.74,
        color=[stage_colour(row) for row in range(len(shares))],
    )
    for row, note in enumerate(notes):
        ax.text(0.54, row, note, va="center", ha="left", color=INK, fontproperties=text)
    ax.set_xlim(-0.52, 1.3)
    ax.set_ylim(rows - 0.5, -0.5)  # the first stage on top
    ax.set_yticks(range(len(chart.labels)), list(chart.labels), fontproperties=text, color=INK)
    ax.tick_params(axis="y", length=0, pad=10)
    ax.set_xticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.suptitle(
        chart.title,
        x=0.02,
        ha="left",
        color=INK,
        fontproperties=FontProperties(family=list(families), size=16),
    )
    return fig
