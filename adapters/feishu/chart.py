"""A neutral Chart as a Feishu card (JSON 2.0) with the card's own chart element. Pure.

Docs this follows:
- the chart element: `tag: "chart"`, `chart_spec` (a VChart spec, no JavaScript: so no label
  formatters, the words go in data fields and in the markdown), `aspect_ratio` (1:1, 2:1, 4:3,
  16:9), `height` (auto or [1,999]px), client 7.20+, at most five per card:
  https://open.feishu.cn/document/feishu-cards/card-json-v2-components/content-components/chart
- VChart specs: funnel (`categoryField`, `valueField`), horizontal bar (`direction`,
  `xField` the value, `yField` the categories, an array for groups, `seriesField`), an
  ordinal `color` scale, `markLine`: https://www.visactor.io/vchart/option/funnelChart,
  https://www.visactor.io/vchart/option/barChart

The card also says the numbers in a markdown element (each label and its words, as the PNG
shows them), for clients that cannot draw charts; colours are bot/charts/colours.py's, so a
stage is the same colour here as in a Slack or WeCom picture.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.feishu.render import MAX_BYTES, escape, plain
from bot.charts.colours import metric_colour, stage_colour
from bot.outcome import Chart

MAX_TITLE = 100
BAR_PX = 22  # one bar of a targets chart
MIN_PX, MAX_PX = 240, 999  # Feishu's chart height: [1,999]px


def chart_card(chart: Chart) -> dict[str, Any]:
    """The interactive card (JSON 2.0) that shows `chart`: its title, the numbers in words and
    the chart element. A card past Feishu's size keeps the chart and drops the words."""
    element = _targets(chart) if chart.kind == "targets" else _funnel(chart)
    title = plain(chart.title)
    title = title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"
    words = _words(chart)
    card = _card(title, [{"tag": "markdown", "content": words}, element] if words else [element])
    if _size(card) > MAX_BYTES:
        card = _card(title, [element])
    return card


def _card(title: str, elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema": "2.0",
        "config": {"update_multi": True, "width_mode": "fill"},
        "header": {"title": {"tag": "plain_text", "content": title}, "template": "blue"},
        "body": {"elements": elements},
    }


def _funnel(chart: Chart) -> dict[str, Any]:
    deals = chart.series[0] if chart.series else None
    amount = chart.series[1] if len(chart.series) > 1 else None
    values = [
        {
            "stage": label,
            "deals": deals.values[n] if deals else 0,
            **({"amount": amount.values[n]} if amount else {}),
            **({"note": deals.notes[n]} if deals and deals.notes else {}),
        }
        for n, label in enumerate(chart.labels)
    ]
    return {
        "tag": "chart",
        "aspect_ratio": "16:9",
        "chart_spec": {
            "type": "funnel",
            "data": [{"id": "stages", "values": values}],
            "categoryField": "stage",
            "valueField": "deals",
            # by position in the pipeline, as the PNG: the same stage, the same colour
            "color": {
                "type": "ordinal",
                "domain": list(chart.labels),
                "range": [stage_colour(n) for n in range(len(chart.labels))],
            },
            "label": {"visible": True},
            "legends": {"visible": False},
        },
    }


def _targets(chart: Chart) -> dict[str, Any]:
    measured = [s for s in chart.series if any(g > 0 for g in s.goals)]
    values = [
        {"rep": rep, "metric": s.name, "percent": round(100 * value / goal, 1)}
        for s in measured
        for rep, value, goal in zip(chart.labels, s.values, s.goals, strict=False)
        if goal > 0
    ]
    height = min(max(MIN_PX, 120 + BAR_PX * len(values)), MAX_PX)
    return {
        "tag": "chart",
        "height": f"{height}px",
        "chart_spec": {
            "type": "bar",
            "direction": "horizontal",
            "data": [{"id": "progress", "values": values}],
            "xField": "percent",
            "yField": ["rep", "metric"],
            "seriesField": "metric",
            "color": {
                "type": "ordinal",
                "domain": [s.name for s in measured],
                "range": [metric_colour(s.key) for s in measured],
            },
            "axes": [
                {"orient": "bottom", "title": {"visible": bool(chart.axis), "text": chart.axis}},
                {"orient": "left"},
            ],
            "markLine": [{"x": 100}],  # the goal
            "label": {"visible": True},
            "legends": {"visible": True, "orient": "bottom"},
        },
    }


def _words(chart: Chart) -> str:
    """Each label and its words, one line each: a stage's deals and amount, a rep's metrics."""
    if chart.kind == "targets":
        lines = []
        for n, rep in enumerate(chart.labels):
            said = [
                f"{s.name} {s.notes[n]}" for s in chart.series if n < len(s.notes) and s.notes[n]
            ]
            if said:
                lines.append(f"**{escape(rep)}**  " + escape(" · ".join(said)))
        return "\n".join(lines)
    deals = chart.series[0] if chart.series else None
    notes = deals.notes if deals else ()
    return "\n".join(
        f"**{escape(label)}**  {escape(note)}"
        for label, note in zip(chart.labels, notes, strict=False)
    )


def _size(content: Any) -> int:
    return len(json.dumps(content, ensure_ascii=False).encode())
