"""A period's forecast for a set of reps: what is won, what is committed, the weighted
pipeline and the best case, against the goal; and, once a period is over, what its first
forecast said against what was won.

Which deals count: open deals whose expected close falls in the period. Weighted = Σ amount ×
the win rate of the deal's stage (bot/win_rates.py); best case = Σ amount of them all;
committed = Σ amount of those the rep committed to (/deal D5 commit). Open deals without an
expected close are counted, never given a date. Sums are kept per currency (bot/money.py);
they are added up in the goal's currency only at configured rates.

The first forecast of a period (or of its part before it ends) is saved per rep and currency
(storage/forecasts.py), once: asking again later never rewrites what was said at the start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.goals import RepProgress
from bot.money import CENT, Rates, convert, sums
from bot.win_rates import StageRate
from storage.forecasts import ForecastSnapshot
from storage.models import Deal, Person

Sums = dict[str, Decimal]  # currency → amount


@dataclass(kw_only=True)
class RepForecast:
    person: Person
    won: Sums  # won in the period so far, per currency
    goal: Decimal | None  # in the goal's currency
    committed: Sums = field(default_factory=dict)
    weighted: Sums = field(default_factory=dict)
    best: Sums = field(default_factory=dict)
    undated: int = 0  # open deals without an expected close: left out
    no_amount: int = 0  # deals in the period without an amount: they add nothing


@dataclass(frozen=True, kw_only=True)
class PastForecast:
    period: str
    taken_at: datetime | None  # None: no forecast was saved for it
    forecast: Decimal | None  # won then + weighted then, in `currency`
    won: Decimal | None  # won by the end, in `currency`
    currency: str
    missing: int  # reps shown now without a saved forecast (left out of both sides)

    @property
    def error(self) -> Decimal | None:
        """How far the forecast was off, in percent of what was won (+: it said too much)."""
        if self.forecast is None or not self.won:
            return None
        return ((self.forecast - self.won) * 100 / self.won).quantize(Decimal(1))


def in_currency(
    amounts: Mapping[str, Decimal], currency: str, rates: Rates, home: str
) -> Decimal | None:
    """`amounts` as one sum in `currency`; None when a currency in them has no rate."""
    if all(c == currency for c in amounts):
        return amounts.get(currency, Decimal(0))
    converted = convert(amounts, currency, rates, home)
    return converted.total if converted else None


def forecasts(
    session: Session,
    *,
    tenant_id: int,
    progress: Sequence[RepProgress],
    start: datetime,
    end: datetime,
    rates: Mapping[str, StageRate],
    home: str,
) -> list[RepForecast]:
    """Each rep's forecast of the period [start, end), their wins and goal from `progress`."""
    reps = {
        p.person.id: RepForecast(person=p.person, won=p.won_sums, goal=p.goal.get("won"))
        for p in progress
    }
    ids = sorted(reps)
    deals = session.execute(
        select(Deal.owner_id, Deal.stage, Deal.amount, Deal.currency, Deal.committed).where(
            Deal.tenant_id == tenant_id,
            Deal.status == "open",
            Deal.owner_id.in_(ids),
            Deal.expected_close >= start,
            Deal.expected_close < end,
        )
    )
    for owner, stage, amount, currency, committed in deals:
        rep = reps[owner]
        if amount is None:
            rep.no_amount += 1
            continue
        rate = rates[stage].rate if stage in rates else None
        _add(rep.best, currency or home, amount)
        _add(rep.weighted, currency or home, (amount * (rate or 0)).quantize(CENT))
        if committed:
            _add(rep.committed, currency or home, amount)
    undated = session.execute(
        select(Deal.owner_id, func.count(Deal.id))
        .where(
            Deal.tenant_id == tenant_id,
            Deal.status == "open",
            Deal.owner_id.in_(ids),
            Deal.expected_close.is_(None),
        )
        .group_by(Deal.owner_id)
    )
    for owner, n in undated:
        reps[owner].undated = n
    return [reps[p.person.id] for p in progress]


def _add(into: Sums, currency: str, amount: Decimal) -> None:
    into[currency] = into.get(currency, Decimal(0)) + Decimal(amount)


def total(reps: Sequence[RepForecast], part: str, first: str) -> Sums:
    """The reps' `part` (won, committed, weighted, best) summed per currency."""
    return sums(((c, v) for r in reps for c, v in getattr(r, part).items()), first)


def save_first(
    session: Session, *, tenant_id: int, period: str, reps: Sequence[RepForecast], now: datetime
) -> None:
    """Keep each rep's forecast of `period` unless one was kept already (the first one stays)."""
    kept = set(
        session.execute(
            select(ForecastSnapshot.person_id, ForecastSnapshot.currency).where(
                ForecastSnapshot.tenant_id == tenant_id,
                ForecastSnapshot.period == period,
                ForecastSnapshot.person_id.in_([r.person.id for r in reps]),
            )
        )
    )
    done = {person for person, _ in kept}
    for rep in reps:
        if rep.person.id in done:
            continue
        for currency in sorted(set(rep.won) | set(rep.weighted)):
            session.add(
                ForecastSnapshot(
                    tenant_id=tenant_id,
                    period=period,
                    person_id=rep.person.id,
                    currency=currency,
                    won=rep.won.get(currency, Decimal(0)),
                    weighted=rep.weighted.get(currency, Decimal(0)),
                    taken_at=now,
                )
            )
    session.flush()


def past(
    session: Session,
    *,
    tenant_id: int,
    period: str,
    start: datetime,
    end: datetime,
    people: Sequence[int],
    currency: str,
    rates: Rates,
    home: str,
) -> PastForecast:
    """What the saved forecast of the period [start, end) said for `people`, against their
    wins in it; only people with a saved forecast count on either side."""
    rows = session.scalars(
        select(ForecastSnapshot).where(
            ForecastSnapshot.tenant_id == tenant_id,
            ForecastSnapshot.period == period,
            ForecastSnapshot.person_id.in_(people),
        )
    ).all()
    counted = sorted({r.person_id for r in rows})
    if not counted:
        return PastForecast(
            period=period,
            taken_at=None,
            forecast=None,
            won=None,
            currency=currency,
            missing=len(people),
        )
    said = sums(((r.currency, r.won + r.weighted) for r in rows), currency)
    won = sums(
        session.execute(
            select(Deal.currency, func.sum(Deal.amount))
            .where(
                Deal.tenant_id == tenant_id,
                Deal.owner_id.in_(counted),
                Deal.status == "won",
                Deal.closed_at >= start,
                Deal.closed_at < end,
            )
            .group_by(Deal.currency)
        ),
        currency,
    )
    return PastForecast(
        period=period,
        taken_at=min(r.taken_at for r in rows),
        forecast=in_currency(said, currency, rates, home),
        won=in_currency(won, currency, rates, home),
        currency=currency,
        missing=len(people) - len(counted),
    )
