"""/contact <customer> <name> [title] [phone] [email] (/联系人): someone to talk to at a
customer — `/contact Acme Hank CFO +1 555 0100 hank@acme.com`, `/联系人 华为 刘总 CIO
13800138000`. Shown in `/customer`; phone and email only to whoever can read the customer.
Writing one takes the customer within reach (its owner, a collaborator, their manager, an
admin). The same name again at the same customer updates what it gives."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot import contacts, customers
from bot.commands.command import Command
from bot.context import Context, UserError
from bot.grammar.line import Fail, Line
from bot.intents import CustomerRef, Intent
from bot.lexer import Token
from bot.outcome import Outcome
from storage.models import Contact


@dataclass(frozen=True, kw_only=True)
class ContactAdd(Intent):
    customer: CustomerRef
    name: str
    title: str | None = None
    phone: str | None = None
    email: str | None = None


def parse(line: Line, tokens: list[Token]) -> ContactAdd:
    customer, rest = line.customer(tokens)
    email = next((t.text for t in rest if not t.quoted and contacts.is_email(t.text)), None)
    words = [t for t in rest if t.text != email]
    phone_at = [k for k, t in enumerate(words) if not t.quoted and contacts.is_phone_piece(t.text)]
    phone = None
    if phone_at:
        first, last = phone_at[0], phone_at[0]
        while last + 1 in phone_at:
            last += 1
        phone = line.words(words[first : last + 1])
        if not contacts.phone_ok(phone):
            raise Fail("bad_phone", "contact", text=phone)
        words = words[:first] + words[last + 1 :]
    if not words:  # handed back with a place for the name
        cut = rest[0].start if rest else len(line.orig)
        before, after = line.orig[:cut].rstrip(), line.words(rest)
        raise Fail("missing_contact_name", "contact", before=before, after=after)
    title = line.words(words[1:]) or None
    return ContactAdd(customer=customer, name=words[0].text, title=title, phone=phone, email=email)


def contact(ctx: Context, intent: ContactAdd) -> Outcome:
    try:
        customer, _ = customers.find(ctx, intent.customer, create=False)
    except UserError as e:
        if e.key != "unknown_customer":
            raise
        raise UserError(
            "contact_unknown_customer",
            name=intent.customer.name,
            candidates=[  # a slip for a customer within reach: "did you mean"
                c.name
                for c in customers.likely(ctx.session, ctx.tenant.id, intent.customer.name)
                if ctx.reach.customer(c)
            ],
            text=ctx.event.text or "",
        ) from None
    row = ctx.session.scalar(
        select(Contact).where(Contact.customer_id == customer.id, Contact.name == intent.name)
    )
    updated = row is not None
    if row is None:
        row = Contact(tenant_id=ctx.tenant.id, customer_id=customer.id, name=intent.name)
        ctx.session.add(row)
    for field in ("title", "phone", "email"):
        if (value := getattr(intent, field)) is not None:
            setattr(row, field, value)
    ctx.session.flush()
    text = ctx.t("contact.saved", customer=customer, contact=row, updated=updated)
    return Outcome().reply(text)


COMMAND = Command(
    key="contact",
    en=("contact",),
    zh=("联系人",),
    parse=parse,
    handles={ContactAdd: contact},
)
