"""Creating deals and moving them through the pipeline."""

from __future__ import annotations

from typing import Any

from bot import audit
from bot import intents as i
from bot.context import Context, UserError
from bot.customers import find, open_deals, pick_deal
from bot.outcome import Outcome
from storage.models import Deal


def deal(ctx: Context, intent: i.DealCommand) -> Outcome:
    if intent.verb == "new":
        return _new(ctx, intent)
    customer, _ = find(ctx, intent.customer, create=False)
    if intent.verb == "show":
        deals = open_deals(ctx.session, customer)
        return Outcome().reply(ctx.t("deals.listing", customer=customer, deals=deals), private=True)
    target, others = pick_deal(ctx, customer, intent.deal_ref)
    if target is None:
        raise UserError("no_open_deal", customer=customer.name)
    if target.status != "open":
        raise UserError("deal_closed", deal=target.id, status=target.status)
    before = audit.deal_state(target)
    if intent.verb == "stage":
        _move(ctx, target, intent.stage or "")
    elif intent.verb == "amount" and intent.amount:
        target.amount = intent.amount.value
        target.currency = intent.amount.currency or target.currency
    elif intent.verb == "close":
        target.expected_close = intent.when
    elif intent.verb in ("won", "lost"):
        _move(ctx, target, intent.verb)
        target.status, target.closed_at = intent.verb, ctx.now
        target.lost_reason = intent.note or None
    target.last_touch_at = ctx.now
    _audit(ctx, target, intent.verb, before)
    stage = ctx.settings.pipeline.get(target.stage)
    text = ctx.t(
        "deals.changed",
        verb=intent.verb,
        deal=target,
        customer=customer,
        stage=stage.name(ctx.locale),
        others=others,
        note=intent.note,
    )
    return Outcome().reply(text)


def _move(ctx: Context, target: Deal, stage_key: str) -> None:
    stage = ctx.settings.pipeline.get(stage_key)
    missing = [f for f in stage.requires if getattr(target, f) is None]
    if missing:
        raise UserError(
            "stage_requires", stage=stage.name(ctx.locale), fields=missing, deal=target.id
        )
    if target.stage != stage.key:
        target.stage, target.stage_entered_at = stage.key, ctx.now


def _new(ctx: Context, intent: i.DealCommand) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True)
    amount = intent.amount
    target = Deal(
        tenant_id=ctx.tenant.id,
        customer_id=customer.id,
        title=intent.title or customer.name,
        amount=amount.value if amount else None,
        currency=(amount.currency if amount and amount.currency else ctx.tenant.currency),
        stage=ctx.settings.pipeline.first.key,
        owner_id=customer.owner_id or ctx.me.id,
        stage_entered_at=ctx.now,
        last_touch_at=ctx.now,
        created_at=ctx.now,
    )
    ctx.session.add(target)
    ctx.session.flush()
    _audit(ctx, target, "new", {})
    others = [d for d in open_deals(ctx.session, customer) if d.id != target.id]
    stage = ctx.settings.pipeline.first.name(ctx.locale)
    return Outcome().reply(
        ctx.t(
            "deals.created",
            deal=target,
            customer=customer,
            created=created,
            stage=stage,
            others=others,
        )
    )


def _audit(ctx: Context, target: Deal, action: str, before: dict[str, Any]) -> None:
    audit.record(
        ctx,
        f"deal.{action}",
        f"deal:{target.id}",
        customer_id=target.customer_id,
        before=before or None,
        after=audit.deal_state(target),
    )
