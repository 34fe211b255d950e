"""Charts: how long a chart takes to draw as a PNG, against an empty figure saved the same way
in the same run (the floor any PNG pays: a 1200 × 800 canvas, its encoding).

The charts are the real ones with Chinese words from the templates: the funnel of the 7
default stages (bot/funnel_chart.py, its 5 open stages plus won and lost, as a configured
pipeline of 7 open stages would be) and the targets of 20 reps × 4 metrics
(bot/targets_chart.py). The first chart of a process also pays the matplotlib import and the
CJK font's registration, once: printed apart as "first".

Target (issue 21.8): ≤ 300 ms per chart for 20 reps × 7 stages.
Run:  .venv/bin/python bench/charts.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.funnel_chart import funnel
from bot.i18n import Words
from bot.money import Rates
from bot.outcome import Chart
from bot.pipeline import DEFAULT_STAGES, Stage
from bot.stage_board import Board, StageRows
from bot.targets_chart import RepNumbers, targets

TARGET_MS = 300.0
REPS = 20


def funnel_chart(say) -> Chart:  # type: ignore[no-untyped-def]
    # every one of the 7 stages drawn as open: the "7 stages"
    stages = tuple(Stage(key=s.key, names=s.names, stale_after_days=5) for s in DEFAULT_STAGES)
    rows = {
        s.key: StageRows(count=40 - 5 * n, totals={"CNY": Decimal(3_500_000 - 400_000 * n)})
        for n, s in enumerate(stages)
    }
    board = Board(stages=rows, total=sum(r.count for r in rows.values()), everything={})
    chart = funnel(board, stages, say=say, locale="zh_CN", home="CNY", rates=Rates(), scope="team")
    assert chart is not None
    return chart


def targets_chart(say) -> Chart:  # type: ignore[no-untyped-def]
    reps = [
        RepNumbers(
            name=f"销售{n:02d}号",
            actual={
                "calls": Decimal(3 * n),
                "visits": Decimal(n % 9),
                "won": Decimal(40_000 * n),
                "collected": Decimal(25_000 * n),
            },
            goal={
                "calls": Decimal(60),
                "visits": Decimal(12),
                "won": Decimal(500_000),
                "collected": Decimal(300_000) if n % 3 else None,
            },
        )
        for n in range(REPS)
    ]
    chart = targets(
        reps, say=say, locale="zh_CN", period="2026-12", currency="CNY", title_name="华东团队"
    )
    assert chart is not None
    return chart


def empty_png() -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 8), dpi=100)
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100, facecolor="white")
    return out.getvalue()


def timed(draw, repeat: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """The median milliseconds of `repeat` draws, and the PNG's size in bytes."""
    runs, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(draw())
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from bot import charts

    say = partial(Words(), "zh_CN", tz="Asia/Shanghai")
    funnel_c, targets_c = funnel_chart(say), targets_chart(say)
    start = time.perf_counter()
    charts.png(funnel_c)  # the import of matplotlib and the font's registration, once
    first = (time.perf_counter() - start) * 1000

    floor, floor_size = timed(empty_png, args.repeat)
    rows = [
        ("empty figure (baseline)", floor, floor_size),
        ("funnel, 7 stages", *timed(partial(charts.png, funnel_c), args.repeat)),
        (f"targets, {REPS} reps × 4 metrics", *timed(partial(charts.png, targets_c), args.repeat)),
    ]
    print(f"dealbot charts bench, median of {args.repeat} draws, Chinese labels")
    print(f"first chart of the process (import + font): {first:7.1f} ms")
    print(f"{'chart':34} {'ms':>8} {'× baseline':>11} {'PNG KB':>8}")
    for name, ms, size in rows:
        print(f"{name:34} {ms:8.1f} {ms / floor:11.2f} {size / 1024:8.1f}")
    worst = max(ms for _, ms, _ in rows[1:])
    verdict = "ok" if worst <= TARGET_MS else "OVER"
    print(f"target: ≤ {TARGET_MS:.0f} ms per chart — slowest {worst:.1f} ms: {verdict}")


if __name__ == "__main__":
    main()
