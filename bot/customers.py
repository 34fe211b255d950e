"""Finding customers by name, alias or unambiguous prefix; creating unknown ones."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from bot.context import Context, UserError
from bot.intents import CustomerRef
from bot.parse.normalize import normalize
from bot.reach import Reach
from storage.models import Customer, CustomerAlias, Deal


def _invisible(ch: str) -> bool:
    """Format characters (zero-width, bidi, tags, …), variation selectors and the combining
    grapheme joiner: nothing a reader sees, so nothing that may tell two names apart."""
    cp = ord(ch)
    return (
        unicodedata.category(ch) == "Cf"
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or cp == 0x034F
    )


def name_key(name: str) -> str:
    """What a name is matched by: compatibility forms folded (NFKC: full-width, ligatures,
    circled letters…), invisible characters dropped, spaces collapsed, case folded — so a
    name that looks like another is the other."""
    text = unicodedata.normalize("NFKC", normalize(name))
    text = "".join(ch for ch in text if not _invisible(ch))
    return unicodedata.normalize("NFKC", " ".join(text.split()).casefold())


def exact(session: Session, tenant_id: int, name: str, reach: Reach | None = None) -> Customer | None:
    """The customer called `name` (or aliased so); with `reach`, only one within it."""
    key = name_key(name)
    seen = reach.owned(Customer.owner_id) if reach is not None else true()
    found = session.scalar(
        select(Customer).where(Customer.tenant_id == tenant_id, Customer.name_key == key, seen)
    )
    if found is None:
        found = session.scalar(
            select(Customer)
            .join(CustomerAlias, CustomerAlias.customer_id == Customer.id)
            .where(CustomerAlias.tenant_id == tenant_id, CustomerAlias.alias_key == key, seen)
        )
    return found


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
            .where(Customer.id.in_(select(ids)), reach.owned(Customer.owner_id))
            .order_by(Customer.name)
            .limit(10)
        )
    )


def find(ctx: Context, ref: CustomerRef, *, create: bool) -> tuple[Customer, bool]:
    """(customer, created), among the customers within the speaker's reach (bot/reach.py).

    Ambiguous → UserError with the candidates; unknown → created, or refused as unknown.
    A name taken by a customer out of reach is refused without a word about that customer.
    """
    customer = exact(ctx.session, ctx.tenant.id, ref.name, ctx.reach)
    if customer is None and create and exact(ctx.session, ctx.tenant.id, ref.name) is not None:
        raise UserError("not_your_customer", customer=ref.name, text=ctx.event.text or "")
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
    if not create:
        raise UserError("unknown_customer", name=ref.name)
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


def open_deals(session: Session, customer: Customer) -> list[Deal]:
    return list(
        session.scalars(
            select(Deal)
            .where(Deal.customer_id == customer.id, Deal.status == "open")
            .order_by(Deal.last_touch_at.desc(), Deal.id.desc())
        )
    )


def pick_deal(ctx: Context, customer: Customer, ref: int | None) -> tuple[Deal | None, list[Deal]]:
    """The deal a command touches: the one named, else the most recently touched open one.

    Returns it with the other open deals, so the reply can say how to pick another.
    """
    deals = open_deals(ctx.session, customer)
    if ref is not None:
        deal = ctx.session.get(Deal, ref)
        if deal is None or deal.customer_id != customer.id:
            raise UserError("unknown_deal", ref=ref, customer=customer.name)
        return deal, [d for d in deals if d.id != deal.id]
    if not deals:
        return None, []
    return deals[0], deals[1:]
