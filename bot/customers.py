"""Finding customers by name, alias or unambiguous prefix within reach; before one is created,
the duplicate check over the whole tenant (bot/customer_names.py), and covering for a teammate
(bot/covering.py)."""

from __future__ import annotations

import functools
from collections.abc import Collection

from sqlalchemy import Select, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from bot.context import Context, UserError
from bot.covering import teammate
from bot.customer_names import NEAR_SHOWN, by_likeness, likeness, looks_like
from bot.intents import CustomerRef
from bot.reach import Reach
from storage.models import Customer, CustomerAlias, Deal, Person
from storage.names import name_key

__all__ = [
    "by_likeness",
    "exact",
    "find",
    "likely",
    "looks_like",
    "name_key",
    "named",
    "other_deals",
    "pick_deal",
]


def exact(
    session: Session, tenant_id: int, name: str, reach: Reach | None = None
) -> Customer | None:
    """The customer called `name` (or aliased so); with `reach`, only one within it."""
    return named(session, tenant_id, [name], reach).get(name)


def named(
    session: Session, tenant_id: int, names: Collection[str], reach: Reach | None = None
) -> dict[str, Customer]:
    """The customers these names name (with `reach`, those within it), by name → customer: a
    name wins over another customer's alias. One statement for all of them (the grammar's
    candidate phrases for a line), each half on its own index."""
    keys: dict[str, list[str]] = {}
    for n in names:
        keys.setdefault(name_key(n), []).append(n)
    if not keys:
        return {}
    everyone = reach is None or reach.people is None
    people = sorted(reach.people or ()) if reach is not None else []
    shared = sorted(reach.customers) if reach is not None and not everyone else []
    found: dict[str, Customer] = {}
    for customer, key in session.execute(
        _named(everyone, bool(shared)),
        {"tenant": tenant_id, "keys": list(keys), "people": people, "shared": shared},
    ):
        for n in keys[key]:
            found.setdefault(n, customer)
    return found


@functools.cache
def _named(everyone: bool, shared: bool) -> Select[tuple[Customer, str]]:
    """`named`'s statement, built once per shape of reach (everyone; owners; owners and the
    customers they collaborate on), its values bound: the grammar runs it for every line."""
    matches = union_all(
        select(
            Customer.id.label("id"), literal(0).label("rank"), Customer.name_key.label("key")
        ).where(
            Customer.tenant_id == bindparam("tenant"),
            Customer.name_key.in_(bindparam("keys", expanding=True)),
        ),
        select(CustomerAlias.customer_id, literal(1), CustomerAlias.alias_key).where(
            CustomerAlias.tenant_id == bindparam("tenant"),
            CustomerAlias.alias_key.in_(bindparam("keys", expanding=True)),
        ),
    ).subquery()
    stmt = select(Customer, matches.c.key).join(matches, matches.c.id == Customer.id)
    if not everyone:  # the rule of Reach.customers_sql, on bound lists
        owned = Customer.owner_id.in_(bindparam("people", expanding=True))
        if shared:
            owned = or_(owned, Customer.id.in_(bindparam("shared", expanding=True)))
        stmt = stmt.where(owned)
    return stmt.order_by(matches.c.rank)


def _by_prefix(session: Session, tenant_id: int, name: str, reach: Reach) -> list[Customer]:
    pattern = name_key(name).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    direct = select(Customer.id).where(
        Customer.tenant_id == tenant_id, Customer.name_key.like(pattern, escape="\\")
    )
    aliased = select(CustomerAlias.customer_id).where(
        CustomerAlias.tenant_id == tenant_id, CustomerAlias.alias_key.like(pattern, escape="\\")
    )
    ids = direct.union(aliased).subquery()
    return list(
        session.scalars(
            select(Customer)
            .where(Customer.id.in_(select(ids)), reach.customers_sql())
            .order_by(Customer.name)
            .limit(10)
        )
    )


def find(
    ctx: Context, ref: CustomerRef, *, create: bool, cover: bool = False
) -> tuple[Customer, bool]:
    """(customer, created), among the customers within the speaker's reach (bot/reach.py).

    - Ambiguous → UserError with the candidates; unknown → created, or refused as unknown.
    - A name (or alias) taken by a customer out of reach is refused naming that customer's
      owner and nothing else (`customer_elsewhere`) — unless `cover` (the command adds a touch,
      a task or a question) and the asker is in the owner's team: then it is that customer,
      written on as cover (bot/covering.py says so).
    - Before a customer is created, the whole tenant is searched for a likely duplicate
      (`likely`): within reach → "did you mean" (`near_customer`), out of it → whose it is.
      A quoted name is created as written.
    """
    # the grammar has most likely just looked this name up (Context.customers_named)
    customer = ctx.customers_named.get(ref.name) or exact(
        ctx.session, ctx.tenant.id, ref.name, ctx.reach
    )
    if customer is None and (hidden := exact(ctx.session, ctx.tenant.id, ref.name)) is not None:
        if cover and teammate(ctx, hidden) is not None:
            return hidden, False
        raise _elsewhere(ctx, ref, [hidden], same=True, create=create, cover=cover)
    if customer is None and not ref.quoted:
        candidates = _by_prefix(ctx.session, ctx.tenant.id, ref.name, ctx.reach)
        if len(candidates) == 1:
            customer = candidates[0]
        elif len(candidates) > 1:
            raise UserError(
                "ambiguous_customer",
                name=ref.name,
                candidates=[c.name for c in candidates],
                text=ctx.event.text or "",  # offered back with each name, nothing retyped
            )
    if customer is not None:
        return customer, False
    found = likely(ctx.session, ctx.tenant.id, ref.name) if not ref.quoted else []
    if not create:  # a lookup: a likely name within reach is offered, nothing else is said
        near = [c.name for c in found if ctx.reach.customer(c)]
        raise UserError(
            "unknown_customer", name=ref.name, candidates=near, text=ctx.event.text or ""
        )
    if found:
        mine = [c for c in found if ctx.reach.customer(c)]
        if mine:  # a slip for a customer within reach: nothing created, both ways offered back
            raise UserError(
                "near_customer",
                name=ref.name,
                candidates=[c.name for c in mine],
                text=ctx.event.text or "",
            )
        raise _elsewhere(ctx, ref, found, same=False, create=create, cover=cover)
    customer = Customer(
        tenant_id=ctx.tenant.id,
        name=ref.name,
        name_key=name_key(ref.name),
        owner_id=ctx.me.id,
        tags=[],
        created_at=ctx.now,
    )
    ctx.session.add(customer)
    ctx.session.flush()
    return customer, True


def likely(session: Session, tenant_id: int, name: str) -> list[Customer]:
    """The customers of the whole tenant that `name` likely means (bot/customer_names.py's
    `likeness`, by name or alias), likeliest first, at most NEAR_SHOWN."""
    rows = list(
        session.execute(
            select(Customer.id, Customer.name, Customer.name_key).where(
                Customer.tenant_id == tenant_id
            )
        )
    )
    rows += session.execute(
        select(Customer.id, Customer.name, CustomerAlias.alias_key)
        .join(CustomerAlias, CustomerAlias.customer_id == Customer.id)
        .where(CustomerAlias.tenant_id == tenant_id)
    ).all()
    best: dict[int, tuple[int, str]] = {}
    for customer_id, customer_name, key in rows:
        score = likeness(name, key)
        if score is not None and (customer_id not in best or score < best[customer_id][0]):
            best[customer_id] = (score, customer_name)
    order = sorted(best, key=lambda i: (best[i][0], best[i][1]))[:NEAR_SHOWN]
    return [session.get_one(Customer, i) for i in order]


def _elsewhere(
    ctx: Context, ref: CustomerRef, found: list[Customer], *, same: bool, create: bool, cover: bool
) -> UserError:
    """The refusal for customers out of reach: each one's name and owner, nothing recorded
    about them; the way on (the owner or a manager, or covering for a teammate)."""
    shown = []
    for c in found:
        owner = ctx.session.get(Person, c.owner_id) if c.owner_id else None
        mate = teammate(ctx, c) is not None
        shown.append({"name": c.name, "owner": owner, "teammate": mate, "cover": mate and cover})
    return UserError(
        "customer_elsewhere",
        name=ref.name,
        found=shown,
        same=same,
        create=create,
        text=ctx.event.text or "",
    )


def open_deals(session: Session, customer: Customer) -> list[Deal]:
    return list(
        session.scalars(
            select(Deal)
            .where(Deal.customer_id == customer.id, Deal.status == "open")
            .order_by(Deal.last_touch_at.desc(), Deal.id.desc())
        )
    )


OTHERS_SHOWN = 5  # other open deals a reply names; the rest are counted


class OtherDeals(list[Deal]):
    """The other open deals a reply names, most recently touched first: the first few of
    them, and `total`, how many there are."""

    def __init__(self, shown: list[Deal], total: int) -> None:
        super().__init__(shown)
        self.total = total


def _open(customer: Customer) -> Select[tuple[Deal]]:
    # ix_deals_customer_touch (customer_id, status, last_touch_at, id) holds them in this order
    return (
        select(Deal)
        .where(Deal.customer_id == customer.id, Deal.status == "open")
        .order_by(Deal.last_touch_at.desc(), Deal.id.desc())
    )


def other_deals(
    session: Session, customer: Customer, but: int | None, shown: list[Deal] | None = None
) -> OtherDeals:
    """The customer's open deals other than `but`: the first OTHERS_SHOWN and their count
    (`shown`: those first ones, when the caller has already read them)."""
    query = _open(customer) if but is None else _open(customer).where(Deal.id != but)
    if shown is None:
        shown = list(session.scalars(query.limit(OTHERS_SHOWN)))
    total = len(shown)
    if total == OTHERS_SHOWN:  # maybe more: counted, not loaded
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return OtherDeals(shown, total or 0)


def pick_deal(ctx: Context, customer: Customer, ref: int | None) -> tuple[Deal | None, OtherDeals]:
    """The deal a command touches: the one named, else the most recently touched open one.

    Returns it with the other open deals (the first few, and how many), so the reply can say
    how to pick another. One indexed read, however many deals the customer has.
    """
    if ref is not None:
        deal = ctx.session.get(Deal, ref)
        if deal is None or deal.customer_id != customer.id:
            raise UserError("unknown_deal", ref=ref, customer=customer.name)
        return deal, other_deals(ctx.session, customer, deal.id)
    first = list(ctx.session.scalars(_open(customer).limit(OTHERS_SHOWN + 1)))
    if not first:
        return None, OtherDeals([], 0)
    return first[0], other_deals(ctx.session, customer, first[0].id, shown=first[1:])
