"""Sums of money in more than one currency: a deal's currency is its own, so a sum is kept per
currency, and added up in one currency only at a rate the admin configured ([currency] rates),
saying so. One currency is never labelled or added as another."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rates:
    """`rates[X]`: what one X is worth in `base` (EUR = 7.8 with base CNY: 1 EUR = 7.8 CNY);
    `base` None: each tenant's own currency."""

    rates: Mapping[str, Decimal] = field(default_factory=dict)
    base: str | None = None

    def rate(self, frm: str, to: str, home: str) -> Decimal | None:
        """What one `frm` is worth in `to` (`home`: the tenant's currency), else None."""
        if frm == to:
            return Decimal(1)
        base = self.base or home
        a = Decimal(1) if frm == base else self.rates.get(frm)
        b = Decimal(1) if to == base else self.rates.get(to)
        return None if a is None or b is None else a / b


@dataclass(frozen=True)
class Conversion:
    currency: str  # the one currency it is summed in
    total: Decimal  # in `currency`, to the cent
    converted: tuple[tuple[str, Decimal, Decimal], ...]  # (currency, its sum, the rate used)


def sums(pairs: Iterable[tuple[str | None, Decimal | None]], first: str) -> dict[str, Decimal]:
    """(currency, amount) pairs summed per currency, `first` first (when there), then A-Z;
    a missing amount counts 0, a missing currency is `first`'s."""
    out: dict[str, Decimal] = {}
    for currency, amount in pairs:
        key = currency or first
        out[key] = out.get(key, Decimal(0)) + Decimal(amount or 0)
    return dict(sorted(out.items(), key=lambda kv: (kv[0] != first, kv[0])))


def convert(totals: Mapping[str, Decimal], to: str, rates: Rates, home: str) -> Conversion | None:
    """`totals` (per currency) added up in `to` at the configured rates; None when one of
    them has no rate (then they are shown per currency) or nothing needs converting."""
    if all(c == to for c in totals):
        return None
    total, converted = Decimal(0), []
    for currency, value in totals.items():
        rate = rates.rate(currency, to, home)
        if rate is None:
            return None
        total += value * rate
        if currency != to:
            converted.append((currency, value, shown_rate(rate)))
    return Conversion(to, _tidy(total.quantize(CENT)), tuple(converted))


def shown_rate(rate: Decimal) -> Decimal:
    """A rate as the reply says it: at most 6 decimals, no trailing zeros."""
    return _tidy(rate.quantize(Decimal("0.000001")))


def _tidy(d: Decimal) -> Decimal:
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()
