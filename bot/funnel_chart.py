"""The funnel of a stage board (bot/stage_board.py) as a Chart: deals and amount per open stage,
in pipeline order, for /pipeline team and the manager's morning digest.

It reads the same board the text was written from, so the picture and the words agree: each
stage's note is its count and per-currency sums as /pipeline says them. The amount series is
one number per stage in the team's currency (other currencies added at the configured rates,
else left out of it, as the text says), in 万 for a Chinese reader of yuan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from bot.money import Rates, convert
from bot.outcome import Attachment, Chart, ChartSeries
from bot.pipeline import Stage
from bot.stage_board import Board

# words in the reader's language and zone: ctx.t, or words_for(…) for a push
Say = Callable[..., str]


def in_wan(currency: str, locale: str) -> bool:
    """Whether amounts read in 万 (ten thousands): yuan to a Chinese reader, as bot/parse/amounts
    format_amount writes them."""
    return currency == "CNY" and locale.lower().startswith("zh")


def funnel(
    board: Board,
    stages: Sequence[Stage],
    *,
    say: Say,
    locale: str,
    home: str,
    rates: Rates,
    scope: str,
    name: str | None = None,
) -> Chart | None:
    """The chart of `board`'s `stages` (every open one, so a stage keeps its colour), or None
    when no stage holds a deal. `scope`, `name`: whose pipeline, for the title."""
    rows = [board.stages[s.key] for s in stages]
    if not any(r.count for r in rows):
        return None
    scale = Decimal(10_000) if in_wan(home, locale) else Decimal(1)
    amounts = tuple(float(_in_home(r.totals, home, rates) / scale) for r in rows)
    return Chart(
        kind="funnel",
        title=say("charts.funnel_title", scope=scope, name=name, total=board.total),
        labels=tuple(s.name(locale) for s in stages),
        keys=tuple(s.key for s in stages),
        series=(
            ChartSeries(
                name=say("charts.deals_series"),
                key="deals",
                values=tuple(float(r.count) for r in rows),
                notes=tuple(
                    say("charts.funnel_note", count=r.count, totals=r.totals) for r in rows
                ),
            ),
            ChartSeries(
                name=say("charts.amount_series", currency=home, scaled=scale != 1),
                key="amount",
                values=amounts,
            ),
        ),
        unit=say("charts.unit", currency=home, scaled=scale != 1),
        locale=locale,
    )


def attachment(chart: Chart) -> Attachment:
    """The funnel as a message of its own; its title is the words for whoever cannot see it."""
    return Attachment(name="funnel.png", title=chart.title, chart=chart)


def _in_home(totals: dict[str, Decimal], home: str, rates: Rates) -> Decimal:
    """A stage's sums as one amount in `home`: converted when every currency has a rate, else
    the `home` sum alone (the others stay in the note, each in its own currency)."""
    converted = convert(totals, home, rates, home)
    return converted.total if converted is not None else totals.get(home, Decimal(0))
