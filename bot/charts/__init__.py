"""Charts: the neutral Chart (bot/outcome.py) drawn as a PNG for platforms without a chart
element. PLACEHOLDER until the charts work lands: a plain bar chart of the first series."""

from __future__ import annotations

import io

from bot.outcome import Chart


def png(chart: Chart) -> bytes:
    """The chart as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.subplots()
    first = chart.series[0] if chart.series else None
    if first is not None:
        ax.bar(range(len(chart.labels)), first.values)
    ax.set_title(chart.title)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
