"""The people to talk to at a customer (`/contact`, bot/commands/contact.py): reading a phone
number or an email out of a line, and what `/customer` shows of them.

A contact's phone and email are shown only to whoever can read the customer (bot/reach.py):
anyone else, named on one of its records, sees names and titles at most.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from bot.context import Context
from storage.models import Contact, Customer

EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
PHONE_PIECE = re.compile(r"^[+(]?[\d()\-.+]*\d[\d()\-.]*$")  # +1  555  010-0100  (555)  138…
PHONE_DIGITS = (5, 20)  # how many digits a phone number has, at least and at most


def is_email(word: str) -> bool:
    return bool(EMAIL.match(word))


def is_phone_piece(word: str) -> bool:
    return bool(PHONE_PIECE.match(word))


def phone_ok(text: str) -> bool:
    """5 to 20 digits, kept as written (+1 555 0100, 138-0013-8000, 13800138000)."""
    digits = re.sub(r"\D", "", text)
    return PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]


@dataclass(frozen=True)
class Shown:
    name: str
    title: str | None
    phone: str | None  # None: none, or not for this reader
    email: str | None


def shown(ctx: Context, customer: Customer) -> list[Shown]:
    """The customer's contacts as the asker may see them: phone and email only within reach."""
    readable = ctx.reach.customer(customer)
    rows = ctx.session.scalars(
        select(Contact).where(Contact.customer_id == customer.id).order_by(Contact.id)
    )
    return [
        Shown(
            c.name,
            c.title,
            c.phone if readable else None,
            c.email if readable else None,
        )
        for c in rows
    ]
