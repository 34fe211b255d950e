"""Targets against actuals drawn: one panel per metric that has a goal (calls, visits, won,
collected…), the reps down the side, each rep's bar the share of their goal reached, a dashed
line at 100 %. Panels side by side keep 20 reps × 4 metrics readable in about 1200 × 800 px;
the amounts themselves are in the text beside the chart.
"""

from __future__ import annotations

from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle

from bot.charts.colours import GOAL_LINE, INK, metric_colour
from bot.outcome import Chart, ChartSeries

WIDTH_IN = 12.0
ROW_IN = 0.34  # one rep's row
FRAME_IN = 1.5  # the title, the panel titles and the axis words
SHOWN_MAX = 200.0  # a bar past twice its goal is cut there; its number still says how far


def figure(chart: Chart, families: tuple[str, ...], dpi: int) -> Figure:
    panels = [s for s in chart.series if any(g > 0 for g in s.goals)] or list(chart.series[:1])
    rows = max(len(chart.labels), 1)
    height = FRAME_IN + ROW_IN * rows
    fig = Figure(figsize=(WIDTH_IN, height), dpi=dpi)
    words = FontProperties(family=list(families), size=11)
    # the percentages are digits: the first family alone draws them, without asking each
    # fallback font for every glyph (most of a busy chart's drawing time)
    small = FontProperties(family=families[0], size=9)
    # not sharey: shared axes would each keep a tick per rep, drawn or not
    axes = fig.subplots(1, max(len(panels), 1), squeeze=False)[0]
    fig.subplots_adjust(
        left=0.14,
        right=0.98,
        top=1 - 0.95 / height,
        bottom=0.55 / height,
        wspace=0.08,
    )
    for ax, series in zip(axes, panels, strict=False):
        _panel(ax, series, rows, small, words)
        ax.set_ylim(rows - 0.5, -0.5)  # the first rep on top
        ax.set_yticks([])
    # the reps' names as plain texts beside the first panel: a tick per rep costs more to
    # make and lay out than the bars themselves
    names = axes[0].get_yaxis_transform()  # x in the panel's width, y in rows
    for row, label in enumerate(chart.labels):
        axes[0].text(
            -0.03,
            row,
            label,
            transform=names,
            ha="right",
            va="center",
            color=INK,
            fontproperties=words,
        )
    title = FontProperties(family=list(families), size=15)
    fig.suptitle(chart.title, x=0.02, ha="left", color=INK, fontproperties=title)
    if chart.axis:
        fig.supxlabel(chart.axis, color=INK, fontproperties=words, y=0.05 / height)
    return fig


def _panel(ax, series: ChartSeries, rows: int, small, words) -> None:  # type: ignore[no-untyped-def]
    goals = list(series.goals) or [0.0] * rows
    shares = [
        (100.0 * value / goal if goal > 0 else None)
        for value, goal in zip(series.values, goals, strict=False)
    ]
    reached = [s for s in shares if s is not None]
    right = max(125.0, min(max(reached, default=0.0), SHOWN_MAX) * 1.18)
    # a rep without a goal gets no bar: nothing to measure against
    measured = [(row, share) for row, share in enumerate(shares) if share is not None]
    # the bars as one collection with the limits set by hand: no autoscaling per bar
    bars = [Rectangle((0, row - 0.35), min(share, right), 0.7) for row, share in measured]
    ax.add_collection(
        PatchCollection(bars, facecolor=metric_colour(series.key), edgecolor="none"),
        autolim=False,
    )
    for row, share in measured:
        ax.text(
            min(share, right * 0.86) + right * 0.015,
            row,
            f"{share:.0f}%",
            va="center",
            ha="left",
            color=INK,
            fontproperties=small,
        )
    # the goal, and no ticks: the bars carry their own numbers, and a tick costs more to lay
    # out than a bar
    ax.axvline(100.0, color=GOAL_LINE, linestyle="--", linewidth=1)
    ax.text(
        100.0,
        -0.01,
        "100%",
        transform=ax.get_xaxis_transform(),
        ha="center",
        va="top",
        color=GOAL_LINE,
        fontproperties=small,
    )
    ax.set_xlim(0, right)
    ax.set_xticks([])
    # a fixed height: matplotlib need not measure every tick label to place the title
    ax.set_title(series.name, color=INK, fontproperties=words, y=1.0, pad=6)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
