"""Finding customers by name, alias or unambiguous prefix; creating unknown ones."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.context import Context, UserError
from bot.intents import CustomerRef
from bot.parse.normalize import normalize
from bot.people import require_change
from storage.models import Customer, CustomerAlias, Deal


def name_key(name: str) -> str:
    return " ".join(normalize(name).split()).casefold()


def exact(session: Session, tenant_id: int, name: str) -> Customer | None:
    key = name_key(name)
    found = session.scalar(
        select(Customer).where(Customer.tenant_id == tenant_id, Customer.name_key == key)
    )
    if found is None:
        found = session.scalar(
            select(Customer)
            .join(CustomerAlias, CustomerAlias.customer_id == Customer.id)
            .where(CustomerAlias.tenant_id == tenant_id, CustomerAlias.alias_key == key)
        )
    return found


def _by_prefix(session: Session, tenant_id: int, name: str) -> list[Customer]:
    pattern = name_key(name).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    direct = select(Customer.id).where(
        Customer.tenant_id == tenant_id, Customer.name_key.like(pattern, escape="\\")
    )
    aliased = select(CustomerAlias.customer_id).where(
        CustomerAlias.tenant_id == tenant_id, CustomerAlias.alias_key.like(pattern, escape="\\")
    )
    ids = direct.union(aliased).limit(10).subquery()
    return list(
        session.scalars(
            select(Customer).where(Customer.id.in_(select(ids))).order_by(Customer.name)
        )
    )


def find(
    ctx: Context, ref: CustomerRef, *, create: bool, change: bool = True
) -> tuple[Customer, bool]:
    """(customer, created). Ambiguous → UserError with the candidates; unknown → created or not."""
    customer = exact(ctx.session, ctx.tenant.id, ref.name)
    if customer is None and not ref.quoted:
        candidates = _by_prefix(ctx.session, ctx.tenant.id, ref.name)
        if len(candidates) == 1:
            customer = candidates[0]
        elif len(candidates) > 1:
            raise UserError(
                "ambiguous_customer",
                name=ref.name,
                candidates=[c.name for c in candidates],
                text=ctx.event.text or "",  # offered back with each name, nothing retyped
            )
    if customer is None:
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
    if change:
        require_change(ctx, customer)
    return customer, False


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
