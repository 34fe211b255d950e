"""Charts: the neutral Chart (bot/outcome.py) drawn as a PNG, for the platforms without a chart
element of their own (a platform that has one draws the Chart itself, in its adapter).

matplotlib is imported only here, inside `png`, and only by the sender that draws: a command
that merely builds a Chart never pays for it. Every word on the picture (title, labels, notes,
axis) is already in the Chart, rendered by bot/ from messages/ in the reader's language.
"""

from __future__ import annotations

import io

from bot.outcome import Chart

DPI = 100  # 12-inch-wide figures: 1200 px, readable on a phone without being heavy


def png(chart: Chart) -> bytes:
    """The chart as PNG bytes. A chart kind this module does not know is drawn as a funnel of
    its first series (a newer writer's chart still shows something)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from bot.charts import draw_funnel, draw_targets
    from bot.charts.fonts import families

    drawer = draw_targets if chart.kind == "targets" else draw_funnel
    fig = drawer.figure(chart, families(), DPI)
    FigureCanvasAgg(fig)  # the figure's own canvas: no pyplot, no global state
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()
