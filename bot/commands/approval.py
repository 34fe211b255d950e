"""/approval D12 quote 118k discount 12% <why> (/审批 D12 报价 28万 九折 <理由>): ask for a
quote or a discount to be approved; the approver (bot/approvals.py) gets a card with Approve,
Reject and Ask. /approval A3 approve | reject <reason> | ask <question> decide it (the
approver, or an admin), /approval A3 reply <answer> answers a question, /approval A3 shows it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bot import approvals, audit
from bot.buttons import Act
from bot.commands.approval_parse import ApprovalAct, ApprovalAskBack, ApprovalRequest, parse
from bot.commands.command import Action, Command
from bot.context import Context, UserError
from bot.customers import find, pick_deal
from bot.outcome import CardUpdate, Outcome
from storage.models import Customer, Deal, Person
from storage.process import Approval

A = TypeVar("A")


class Refusal(Exception):
    """What is refused before anything is written, in this command's own words."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def refusals(handler: Callable[[Context, A], Outcome]) -> Callable[[Context, A], Outcome]:
    @functools.wraps(handler)
    def run(ctx: Context, arg: A) -> Outcome:
        try:
            return handler(ctx, arg)
        except Refusal as r:
            return Outcome().reply(r.text, private=True)

    return run


@dataclass(frozen=True, kw_only=True)
class ApprovalButton:
    approval_id: int


# --- handlers ------------------------------------------------------------------------------------


def ask_back(ctx: Context, intent: ApprovalAskBack) -> Outcome:
    return Outcome().reply(
        ctx.t(
            "approval.ask_back",
            problem=intent.problem,
            text=intent.text,
            verb=intent.verb,
            ref=intent.ref,
        ),
        private=True,
    )


def request(ctx: Context, intent: ApprovalRequest) -> Outcome:
    deal, customer = _deal(ctx, intent)
    if deal.status != "open":
        raise UserError(
            "deal_closed",
            deal=deal.id,
            status=deal.status,
            title=deal.title,
            customer=customer.name,
            at=deal.closed_at,
        )
    amount = intent.amount.value if intent.amount else None
    approver = approvals.first_approver(
        ctx.session, ctx.settings.approvals, ctx.me, amount, intent.discount
    )
    row = Approval(
        tenant_id=ctx.tenant.id,
        deal_id=deal.id,
        customer_id=customer.id,
        requester_id=ctx.me.id,
        approver_id=approver.id,
        level=1,
        amount=amount,
        currency=(intent.amount.currency or deal.currency) if intent.amount else None,
        discount_percent=intent.discount,
        reason=intent.reason or None,
        status="pending",
        requested_at=ctx.now,
        waiting_since=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    audit.record(
        ctx,
        "approval.request",
        f"approval:{row.id}",
        customer_id=customer.id,
        after=_state(row),
        deal=deal.id,
    )
    said = {"a": row, "deal": deal, "customer": customer, "approver": approver}
    out = Outcome().reply(ctx.t("approval.requested", **said, me=ctx.me))
    out.reply(card=approvals.card(ctx.session, ctx.t, row))
    if approver.id != ctx.me.id:
        say = _say_for(ctx, approver)
        out.push(
            approver.id,
            say("approval.please_decide", **said, by=ctx.me),
            card=approvals.card(ctx.session, say, row),
        )
    return out


def act(ctx: Context, intent: ApprovalAct) -> Outcome:
    if intent.verb == "show":
        row = _get(ctx, intent.approval_id)
        return Outcome().reply(card=approvals.card(ctx.session, ctx.t, row), private=True)
    if intent.verb in ("approve", "reject"):
        return _decide(ctx, intent.approval_id, intent.verb, intent.text)
    if intent.verb == "ask":
        return _ask(ctx, intent.approval_id, intent.text)
    return _reply(ctx, intent.approval_id, intent.text)


def _decide(ctx: Context, approval_id: int, verb: str, note: str) -> Outcome:
    row = _get(ctx, approval_id, lock=True)
    customer = ctx.session.get_one(Customer, row.customer_id)
    deal = ctx.session.get_one(Deal, row.deal_id)
    said = {"a": row, "deal": deal, "customer": customer}
    _check_decider(ctx, row, said)
    row.status = "approved" if verb == "approve" else "rejected"
    row.decided_at, row.decided_by_id, row.decision_note = ctx.now, ctx.me.id, note or None
    cal = ctx.settings.calendar_for(ctx.tenant.timezone)
    row.working_seconds = approvals.working_seconds(
        cal, row.requested_at, ctx.now, ctx.tenant.timezone
    )
    audit.record(
        ctx,
        f"approval.{row.status}",
        f"approval:{row.id}",
        customer_id=customer.id,
        after=_state(row),
        deal=deal.id,
    )
    if row.status == "approved":
        _apply(ctx, row, deal)
    out = Outcome()
    shown = approvals.card(ctx.session, ctx.t, row)
    if ctx.event.action is not None:
        out.updates.append(CardUpdate(card=shown))
    else:
        out.reply(card=shown)
    out.reply(ctx.t("approval.decided", **said, me=ctx.me))
    requester = ctx.session.get(Person, row.requester_id) if row.requester_id else None
    if requester is not None and requester.id != ctx.me.id:
        say = _say_for(ctx, requester)
        out.push(requester.id, say("approval.rep_news", **said, by=ctx.me))
    approver = ctx.session.get(Person, row.approver_id) if row.approver_id else None
    if approver is not None and approver.id not in (ctx.me.id, row.requester_id):
        # an admin decided in the approver's place: what waited on them is settled
        say = _say_for(ctx, approver)
        out.push(approver.id, say("approval.rep_news", **said, by=ctx.me))
    return out


def _apply(ctx: Context, row: Approval, deal: Deal) -> None:
    """An approved quote becomes the deal's amount, an approved discount its discount; the
    change is audited as an amount change is (bot/commands/deal.py)."""
    ctx.session.refresh(deal, with_for_update=True)
    if row.amount is not None and (row.amount, row.currency) != (deal.amount, deal.currency):
        before = audit.deal_state(deal)
        deal.amount, deal.currency = row.amount, row.currency or deal.currency
        deal.tax_note = None  # the approved quote says nothing of tax
        audit.record(
            ctx,
            "deal.amount",
            f"deal:{deal.id}",
            customer_id=deal.customer_id,
            before=before,
            after=audit.deal_state(deal),
            approval=row.id,
        )
    if row.discount_percent is not None and row.discount_percent != deal.discount_percent:
        audit.record(
            ctx,
            "deal.discount",
            f"deal:{deal.id}",
            customer_id=deal.customer_id,
            before={"discount_percent": deal.discount_percent},
            after={"discount_percent": row.discount_percent},
            approval=row.id,
        )
        deal.discount_percent = row.discount_percent
    deal.last_touch_at = ctx.now


def _ask(ctx: Context, approval_id: int, question: str) -> Outcome:
    row = _get(ctx, approval_id)
    customer = ctx.session.get_one(Customer, row.customer_id)
    deal = ctx.session.get_one(Deal, row.deal_id)
    said = {"a": row, "deal": deal, "customer": customer}
    _check_decider(ctx, row, said)
    audit.record(
        ctx, "approval.ask", f"approval:{row.id}", customer_id=customer.id, question=question
    )
    out = Outcome().reply(ctx.t("approval.asked", **said, text=question))
    requester = ctx.session.get(Person, row.requester_id) if row.requester_id else None
    if requester is not None and requester.id != ctx.me.id:
        say = _say_for(ctx, requester)
        out.push(requester.id, say("approval.question_for_rep", **said, by=ctx.me, text=question))
    return out


def _reply(ctx: Context, approval_id: int, answer: str) -> Outcome:
    row = _get(ctx, approval_id)
    customer = ctx.session.get_one(Customer, row.customer_id)
    deal = ctx.session.get_one(Deal, row.deal_id)
    said = {"a": row, "deal": deal, "customer": customer}
    audit.record(
        ctx, "approval.reply", f"approval:{row.id}", customer_id=customer.id, answer=answer
    )
    approver = ctx.session.get(Person, row.approver_id) if row.approver_id else None
    out = Outcome().reply(ctx.t("approval.replied", **said, approver=approver))
    if approver is not None and approver.id != ctx.me.id and row.status == "pending":
        say = _say_for(ctx, approver)
        out.push(approver.id, say("approval.answer_for_approver", **said, by=ctx.me, text=answer))
    return out


def approve_pressed(ctx: Context, press: ApprovalButton) -> Outcome:
    return _decide(ctx, press.approval_id, "approve", "")


def reject_pressed(ctx: Context, press: ApprovalButton) -> Outcome:
    return _typed_form(ctx, press.approval_id, "reject")


def ask_pressed(ctx: Context, press: ApprovalButton) -> Outcome:
    return _typed_form(ctx, press.approval_id, "ask")


def _typed_form(ctx: Context, approval_id: int, verb: str) -> Outcome:
    """Reject needs a reason and Ask a question: the press answers with the line to send."""
    row = _get(ctx, approval_id)
    customer = ctx.session.get_one(Customer, row.customer_id)
    deal = ctx.session.get_one(Deal, row.deal_id)
    _check_decider(ctx, row, {"a": row, "deal": deal, "customer": customer})
    return Outcome().reply(ctx.t("approval.typed_form", a=row, verb=verb), private=True)


# --- helpers -------------------------------------------------------------------------------------


def _deal(ctx: Context, intent: ApprovalRequest) -> tuple[Deal, Customer]:
    if intent.customer is None:
        deal = ctx.session.get(Deal, intent.deal_ref) if intent.deal_ref else None
        customer = ctx.session.get(Customer, deal.customer_id) if deal else None
        if deal is None or customer is None or deal.tenant_id != ctx.tenant.id:
            raise Refusal(ctx.t("approval.unknown_deal", ref=intent.deal_ref))
        if not ctx.reach.customer(customer):  # out of reach: as if it did not exist
            raise Refusal(ctx.t("approval.unknown_deal", ref=intent.deal_ref))
        return deal, customer
    customer, _ = find(ctx, intent.customer, create=False)
    deal, _ = pick_deal(ctx, customer, intent.deal_ref)
    if deal is None:
        raise UserError("no_open_deal", customer=customer.name)
    return deal, customer


def _get(ctx: Context, approval_id: int, *, lock: bool = False) -> Approval:
    """The approval, when the speaker may see it: its customer is within reach, or they asked
    for it or decide it; else as if it did not exist."""
    row = ctx.row(Approval, approval_id, lock=lock)
    if row is not None:
        customer = ctx.session.get_one(Customer, row.customer_id)
        if ctx.reach.involved(customer, row.requester_id, row.approver_id):
            return row
    raise Refusal(ctx.t("approval.unknown", ref=approval_id))


def _check_decider(ctx: Context, row: Approval, said: dict[str, object]) -> None:
    """Only a pending approval is decided (or asked about), and only by its current approver
    or an admin: anyone else is told who decides."""
    if row.status != "pending":
        decider = ctx.session.get(Person, row.decided_by_id) if row.decided_by_id else None
        raise Refusal(ctx.t("approval.already", **said, decider=decider))
    if not approvals.may_decide(row, ctx.me):
        approver = ctx.session.get(Person, row.approver_id) if row.approver_id else None
        raise Refusal(ctx.t("approval.not_yours", **said, approver=approver))


def _say_for(ctx: Context, person: Person):  # type: ignore[no-untyped-def]
    def say(key: str, **params: object) -> str:
        return ctx.t_for(person, key, **params)

    return say


def _state(row: Approval) -> dict[str, object]:
    return {
        "status": row.status,
        "approver_id": row.approver_id,
        "amount": row.amount,
        "currency": row.currency,
        "discount_percent": row.discount_percent,
        "reason": row.reason,
        "note": row.decision_note,
    }


APPROVE = Action(act=Act.APPROVAL_APPROVE, args=ApprovalButton, run=refusals(approve_pressed))
REJECT = Action(act=Act.APPROVAL_REJECT, args=ApprovalButton, run=refusals(reject_pressed))
ASK = Action(act=Act.APPROVAL_ASK, args=ApprovalButton, run=refusals(ask_pressed))

COMMAND = Command(
    key="approval",
    en=("approval",),
    zh=("审批",),
    parse=parse,
    handles={
        ApprovalRequest: refusals(request),
        ApprovalAct: refusals(act),
        ApprovalAskBack: ask_back,
    },
    buttons=(APPROVE, REJECT, ASK),
)
