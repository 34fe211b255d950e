"""Finding customers by name, alias or unambiguous prefix; creating unknown ones."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from bot.context import Context, UserError
from bot.intents import CustomerRef
from bot.reach import Reach
from storage.models import Customer, CustomerAlias, Deal
from storage.names import name_key

NEAR_SHOWN = 5  # "did you mean" names at most this many


def _han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


@lru_cache(maxsize=8192)
def _sound(key: str) -> tuple[str, ...]:
    """How a name is typed on a pinyin keyboard: its syllables, tones aside."""
    from pypinyin import lazy_pinyin  # loaded on first use: its tables take a moment

    return tuple(lazy_pinyin(key))


# A slip of one keystroke, by kind, and the shortest word (letters, the longer of the two)
# in which it still reads as a slip rather than another name: two neighbours swapped hardly
# ever make a real name (bbo, Alcie); a letter more or less is a slip from four letters on
# (Acmee, Globx); a letter changed only from five (Mark / Mary, John / Joan are two people).
_SLIP_FROM = {"swap": 3, "extra": 4, "change": 5}


def _slip(a: str, b: str) -> str | None:
    """How two different words are one keystroke apart — "swap", "extra" (a letter added or
    missed) or "change" — or None when they are not."""
    if a == b or abs(len(a) - len(b)) > 1:
        return None
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return "change"
        i, j = diff if len(diff) == 2 else (0, 0)
        return "swap" if j == i + 1 and (a[i], a[j]) == (b[j], b[i]) else None
    short, long = sorted((a, b), key=len)
    i = next((k for k, (x, y) in enumerate(zip(short, long)) if x != y), len(short))
    return "extra" if short[i:] == long[i + 1 :] else None


def looks_like(typed: str, known: str) -> bool:
    """Whether `typed` reads as a slip for the other name `known`: the one rule behind every
    "did you mean", for customers and people alike.

    - Chinese: the same sound in other characters — what a pinyin input method slips to
      (华微 for 华为, 小章 for 小张, 王经里 for 王经理); 小李, 小赵 and 小张 stay three people.
    - Other scripts: the same words, spaced or punctuated otherwise; or the same words but one,
      one keystroke off (`_slip`, in a word long enough for that slip) and not in its digits
      alone (Acmee for Acme, Globx for Globex, @bbo for @bob) — so lead_a / lead_b,
      rep_a1 / rep_a2, Mark / Mary and Acme 2026 / Acme 2027 are different names, not slips.
    """
    a, b = name_key(typed), name_key(known)
    if a == b:
        return False
    if _han(a) or _han(b):
        return len(a) == len(b) and _han(a) and _han(b) and _sound(a) == _sound(b)
    wa, wb = re.findall(r"[^\W_]+", a), re.findall(r"[^\W_]+", b)
    if not wa or len(wa) != len(wb):
        return False
    pairs = [(x, y) for x, y in zip(wa, wb, strict=True) if x != y]
    if not pairs:
        return True
    if len(pairs) > 1:
        return False
    x, y = pairs[0]
    digitless = (re.sub(r"\d", "", x), re.sub(r"\d", "", y))
    slip = _slip(x, y)
    return (
        slip is not None
        and max(len(x), len(y)) >= _SLIP_FROM[slip]
        and digitless[0] != digitless[1]
    )


def by_likeness(typed: str, names: dict[str, str]) -> list[str]:
    """The names (name → the key it is matched by) that `typed` looks like, likest first."""
    key = name_key(typed)
    score = {
        name: SequenceMatcher(None, key, k).ratio()
        for name, k in names.items()
        if looks_like(key, k)
    }
    return sorted(score, key=lambda n: (-score[n], n))[:NEAR_SHOWN]


def exact(
    session: Session, tenant_id: int, name: str, reach: Reach | None = None
) -> Customer | None:
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
    if not ref.quoted and (near := _near(ctx, ref.name)):
        # a slip for a customer within reach: nothing created, both ways offered back
        raise UserError("near_customer", name=ref.name, candidates=near, text=ctx.event.text or "")
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


def _near(ctx: Context, name: str) -> list[str]:
    """Customers within reach whose name or alias `name` looks like (`looks_like`). A slip
    changes a name's length by one at most, so only those lengths are read."""
    size = len(name_key(name))
    seen = ctx.reach.owned(Customer.owner_id)
    rows = ctx.session.execute(
        select(Customer.name, Customer.name_key).where(
            Customer.tenant_id == ctx.tenant.id,
            seen,
            func.length(Customer.name_key).between(size - 1, size + 1),
        )
    ).all()
    rows += ctx.session.execute(
        select(Customer.name, CustomerAlias.alias_key)
        .join(CustomerAlias, CustomerAlias.customer_id == Customer.id)
        .where(
            CustomerAlias.tenant_id == ctx.tenant.id,
            seen,
            func.length(CustomerAlias.alias_key).between(size - 1, size + 1),
        )
    ).all()
    names: dict[str, str] = {}
    for customer, key in rows:  # a customer looked like through its alias is named by its name
        if looks_like(name, key) and customer not in names:
            names[customer] = key
    return by_likeness(name, names)


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
