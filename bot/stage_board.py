"""The open deals by stage as /pipeline shows them, worked out by the database: counts and
per-currency sums with GROUP BY, and the first few of each stage with row_number() over the
stage — so a view costs what it shows, not what the tenant has (issue 19: a million deals).

Which deals are shown is the rule the view always had: the largest amount first, deals without
an amount last, then the oldest id. The sums follow bot/money.py `sums`: a stage's sum per
currency counts a missing amount as 0 (its currency still shows); the grand total per currency
only counts deals that have an amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from bot.money import sums
from storage.models import Customer, Deal, Person


@dataclass
class StageRows:
    count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)  # per currency, `sums` order
    shown: list[tuple[Deal, Customer, Person | None]] = field(default_factory=list)


@dataclass
class Board:
    stages: dict[str, StageRows]  # by stage key, every stage asked for (empty ones too)
    total: int  # open deals in scope, in any stage (one no longer configured too)
    everything: dict[str, Decimal]  # per currency, deals with an amount only


def ranking() -> tuple[ColumnElement[object], ...]:
    """The order deals are listed in within a stage. No index follows it (SQLite cannot keep
    NULLS LAST in one): each stage's rows in scope are ranked by a sort, fine at a team's size,
    a second at 1M deals for /pipeline all."""
    return (Deal.amount.desc().nulls_last(), Deal.id)


def board(
    session: Session,
    *,
    tenant_id: int,
    stages: Sequence[str],
    reach: ColumnElement[bool] | None,
    owner_id: int | None,
    home: str,
    shown: int,
) -> Board:
    """`reach`: SQL on Customer for the customers the asker may see (None: all of the
    tenant's); `owner_id`: only that person's deals; `home`: the currency listed first."""

    def scoped(query: Select) -> Select:  # type: ignore[type-arg]
        query = query.where(Deal.tenant_id == tenant_id, Deal.status == "open")
        if reach is not None:  # the rule of bot/reach.py, applied by the database
            # the tenant named on customers too: (tenant_id, owner_id) finds a team's
            query = query.join(Customer, Customer.id == Deal.customer_id).where(
                Customer.tenant_id == tenant_id, reach
            )
        if owner_id is not None:
            query = query.where(Deal.owner_id == owner_id)
        return query

    counted = session.execute(
        scoped(
            select(
                Deal.stage,
                Deal.currency,
                func.count(),
                func.sum(func.coalesce(Deal.amount, 0)),
                func.count(Deal.amount),
                func.sum(Deal.amount),
            )
        ).group_by(Deal.stage, Deal.currency)
    ).all()
    out = {key: StageRows() for key in stages}
    per_stage: dict[str, list[tuple[str, Decimal]]] = {}
    priced: list[tuple[str, Decimal]] = []
    total = 0
    for stage, currency, n, summed, n_priced, priced_sum in counted:
        total += n
        if stage in out:
            out[stage].count += n
            per_stage.setdefault(stage, []).append((currency, _decimal(summed)))
        if n_priced:
            priced.append((currency, _decimal(priced_sum)))
    for key, pairs in per_stage.items():
        out[key].totals = sums(pairs, home)
    if stages and total and shown > 0:  # shown 0: the counts and sums alone (a chart)
        rank = func.row_number().over(partition_by=Deal.stage, order_by=ranking()).label("rank")
        ranked = scoped(select(Deal.id.label("id"), rank).where(Deal.stage.in_(stages)))
        top = ranked.subquery()
        # the few ids first, then their rows: joined in one statement, the planner cannot
        # tell that rank <= shown leaves a handful and joins every ranked deal
        ids = dict(session.execute(select(top.c.id, top.c.rank).where(top.c.rank <= shown)).all())
        rows = session.execute(
            select(Deal, Customer, Person)
            .join(Customer, Customer.id == Deal.customer_id)
            .outerjoin(Person, Person.id == Deal.owner_id)
            .where(Deal.id.in_(list(ids)))
        ).all()
        for deal, customer, person in sorted(rows, key=lambda r: ids[r[0].id]):
            out[deal.stage].shown.append((deal, customer, person))
    return Board(stages=out, total=total, everything=sums(priced, home))


def _decimal(value: object) -> Decimal:
    """A sum as the database returns it (SQLite may hand back an int or a float)."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return (
        Decimal(str(value)).quantize(Decimal("0.01"))
        if isinstance(value, float)
        else Decimal(value)
    )
