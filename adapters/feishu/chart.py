"""A neutral Chart as a Feishu card with the card's own chart element. PLACEHOLDER until the
charts work lands."""

from __future__ import annotations

from typing import Any

from bot.outcome import Chart


def chart_card(chart: Chart) -> dict[str, Any]:
    """The interactive card (JSON 2.0) that shows `chart`."""
    values = [
        {"label": label, "series": s.name, "value": v}
        for s in chart.series[:1]
        for label, v in zip(chart.labels, s.values, strict=False)
    ]
    return {
        "schema": "2.0",
        "header": {"title": {"tag": "plain_text", "content": chart.title}},
        "body": {
            "elements": [
                {
                    "tag": "chart",
                    "chart_spec": {
                        "type": "bar",
                        "data": {"values": values},
                        "xField": "label",
                        "yField": "value",
                    },
                }
            ]
        },
    }
