"""The buttons of the quiet-customer list (bot/quiet.py): "Log a call" answers privately with
the /log line ready to copy, in the presser's language; "Snooze 30 days" keeps the customer
off the list until then, audited. Both belong to /customer, and so does the renewal line it
shows (`renewal_line`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import audit, quiet
from bot.buttons import Act
from bot.commands.command import Action
from bot.context import Context, UserError
from bot.outcome import Outcome
from bot.quiet import QuietButton
from storage.models import Customer, Deal


def _customer(ctx: Context, press: QuietButton, *, lock: bool = False) -> Customer:
    """The customer a button names, if the presser reaches it or is to reassign it (the list
    of an owner who left goes to a manager or an admin, who reach it anyway)."""
    customer = ctx.row(Customer, press.customer_id, lock=lock)
    if customer is None or not ctx.reach.customer(customer):
        raise UserError("unknown_customer", name=f"#{press.customer_id}")
    return customer


def log_call(ctx: Context, press: QuietButton) -> Outcome:
    customer = _customer(ctx, press)
    return Outcome().reply(ctx.t("quiet.log_hint", customer=customer), private=True)


def snooze(ctx: Context, press: QuietButton) -> Outcome:
    customer = _customer(ctx, press, lock=True)
    before = customer.quiet_snoozed_until
    until = quiet.snooze(customer, ctx.now)
    audit.record(
        ctx,
        "customer.quiet_snooze",
        f"customer:{customer.id}",
        customer_id=customer.id,
        before={"quiet_snoozed_until": before},
        after={"quiet_snoozed_until": until},
    )
    return Outcome().reply(ctx.t("quiet.snoozed", customer=customer, until=until), private=True)


def renewal_line(ctx: Context, customer: Customer) -> str:
    """/customer's line on the next renewal of its won deals; "" when none is set."""
    today = ctx.now.astimezone(ZoneInfo(ctx.tz)).date()
    deal = ctx.session.scalar(
        select(Deal)
        .where(
            Deal.customer_id == customer.id,
            Deal.status == "won",
            Deal.renewal_on.is_not(None),
        )
        .order_by((Deal.renewal_on < today), Deal.renewal_on, Deal.id)
        .limit(1)
    )
    return "" if deal is None else ctx.t("quiet.renewal_line", deal=deal, today=today)


LOG = Action(act=Act.QUIET_LOG, args=QuietButton, run=log_call)
SNOOZE = Action(act=Act.QUIET_SNOOZE, args=QuietButton, run=snooze)
