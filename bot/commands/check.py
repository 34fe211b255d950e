"""/check D12 [2 …] [undo] (/勾选 D12 2 [取消]): a deal's stage checklist — shown with who ticked
each item, items ticked or unticked by number; the card's buttons tick them too
(bot/checklists.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import checklists
from bot.checklists import CheckButton
from bot.commands.command import Action, Command
from bot.context import Context, UserError
from bot.customers import find, pick_deal
from bot.grammar.line import Fail, Line
from bot.intents import CustomerRef, Intent
from bot.lexer import Token, is_ref, ref_id
from bot.outcome import CardUpdate, Outcome
from bot.parse.normalize import cn_int
from storage.models import Customer, Deal


@dataclass(frozen=True, kw_only=True)
class CheckCommand(Intent):
    customer: CustomerRef | None  # None: the deal is named by its id alone (D12)
    deal_ref: int | None
    numbers: tuple[int, ...] = ()  # nothing: show the checklist
    undo: bool = False


UNDO = {"undo", "untick", "uncheck", "取消", "撤销", "撤回"}
_ITEM = re.compile(r"第?(\d{1,3}|[一二三四五六七八九十两]{1,3})(?:项|条)?")


def parse(line: Line, tokens: list[Token]) -> CheckCommand:
    if not tokens:
        raise Fail("missing_check_deal", "check")
    first = tokens[0]
    deal_ref: int | None = None
    customer: CustomerRef | None = None
    if not first.quoted and is_ref(first.text, "deal") and not line.ctx.is_customer(first.text):
        deal_ref, rest = ref_id(first.text, "deal"), tokens[1:]
    else:
        customer, rest = line.customer(tokens, verbs=UNDO)
        if rest and is_ref(rest[0].text, "deal"):
            deal_ref, rest = ref_id(rest[0].text, "deal"), rest[1:]
    numbers: list[int] = []
    undo = False
    for token in rest:
        for piece in filter(None, token.text.split(",")):
            if piece.casefold() in UNDO:
                undo = True
                continue
            m = _ITEM.fullmatch(piece.lstrip("#"))
            n = (int(m[1]) if m[1].isdigit() else cn_int(m[1])) if m else None
            if n is None:
                raise Fail("bad_check_item", "check", word=piece)
            numbers.append(n)
    if undo and not numbers:
        raise Fail("missing_check_item", "check")
    return CheckCommand(customer=customer, deal_ref=deal_ref, numbers=tuple(numbers), undo=undo)


def _deal(ctx: Context, intent: CheckCommand, *, lock: bool) -> tuple[Deal, Customer]:
    if intent.customer is None and intent.deal_ref is not None:
        return checklists.deal_by_ref(ctx, intent.deal_ref, lock=lock)
    assert intent.customer is not None
    customer, _ = find(ctx, intent.customer, create=False)
    deal, _ = pick_deal(ctx, customer, intent.deal_ref)
    if deal is None:
        raise UserError("no_open_deal", customer=customer.name)
    if lock:
        return checklists.deal_by_ref(ctx, deal.id, lock=True)
    return deal, customer


def check(ctx: Context, intent: CheckCommand) -> Outcome:
    deal, customer = _deal(ctx, intent, lock=bool(intent.numbers))
    if not intent.numbers:
        stage = checklists.stage_of(ctx.settings.pipeline, deal.stage)
        if stage is None or not stage.checklist:
            raise checklists.no_checklist(ctx, deal, customer, stage)
        sheet = checklists.checklist(ctx.session, deal, customer, stage)
        return Outcome().reply(card=checklists.card(ctx, sheet))
    sheet, done = checklists.tick(ctx, deal, customer, intent.numbers, undo=intent.undo)
    out = Outcome().reply(_said(ctx, sheet, done))
    return out.reply(card=checklists.card(ctx, sheet))


def press(ctx: Context, button: CheckButton) -> Outcome:
    deal, customer = checklists.deal_by_ref(ctx, button.deal_id, lock=True)
    sheet, done = checklists.tick(ctx, deal, customer, (button.item,), place=button.stage)
    out = Outcome()
    out.updates.append(CardUpdate(card=checklists.card(ctx, sheet)))
    return out.reply(_said(ctx, sheet, done))


def _said(ctx: Context, sheet: checklists.Checklist, done: list) -> str:  # type: ignore[type-arg]
    return ctx.t(
        "check.ticked",
        done=[(what, line.n, line.item.name(ctx.locale)) for what, line in done],
        deal=sheet.deal,
        customer=sheet.customer,
        me=ctx.me,
        open_required=[(line.n, line.item.name(ctx.locale)) for line in sheet.open_required],
        required=any(line.item.required for line in sheet.lines),
    )


TICK = Action(act=checklists.TICK_ACT, args=CheckButton, run=press)

COMMAND = Command(
    key="check",
    en=("check",),
    zh=("勾选", "清单"),
    parse=parse,
    handles={CheckCommand: check},
    buttons=(TICK,),
)
