"""/deal D5 renewal 2027-06-30 (/商机 D5 续约 2027-06-30): the day a won deal's contract
renews, so that its customer shows on the owner's Monday list as the day comes near
(bot/quiet.py). Only a won deal renews: an open or lost one is refused, saying why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import audit, checklists
from bot.context import Context, UserError
from bot.customers import find
from bot.intents import CustomerRef, Intent
from bot.outcome import Outcome
from storage.models import Deal


@dataclass(frozen=True, kw_only=True)
class DealRenewal(Intent):
    customer: CustomerRef | None  # None: the deal is named by its id (/deal D5 renewal …)
    deal_ref: int | None
    when: datetime  # the renewal day (its date, in the speaker's zone)


def set_renewal(ctx: Context, intent: DealRenewal) -> Outcome:
    if intent.deal_ref is not None:
        deal, customer = checklists.deal_by_ref(ctx, intent.deal_ref, lock=True)
    else:
        assert intent.customer is not None  # the grammar names one or the other
        customer, _ = find(ctx, intent.customer, create=False)
        deal = ctx.session.scalar(  # the customer's latest won deal, else its latest deal
            select(Deal)
            .where(Deal.customer_id == customer.id)
            .order_by((Deal.status == "won").desc(), Deal.closed_at.desc(), Deal.id.desc())
            .limit(1)
        )
        if deal is None:
            raise UserError("no_open_deal", customer=customer.name)
    if deal.status != "won":
        return Outcome().reply(ctx.t("quiet.renewal_not_won", deal=deal, customer=customer))
    before = deal.renewal_on
    deal.renewal_on = intent.when.astimezone(ZoneInfo(ctx.tz)).date()
    audit.record(
        ctx,
        "deal.renewal",
        f"deal:{deal.id}",
        customer_id=customer.id,
        before={"renewal_on": before and before.isoformat()},
        after={"renewal_on": deal.renewal_on.isoformat()},
    )
    return Outcome().reply(ctx.t("quiet.renewal_set", deal=deal, customer=customer, before=before))
