"""/log <customer> [type] <notes> [next: <step> [by <when>]] [#tag] (/记录, /跟进): a touch,
in the rep's own words; its next step becomes a follow-up task."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.commands.command import Command
from bot.commands.rows import ago, day_off, default_due, new_task, new_touch
from bot.context import Context
from bot.covering import covering, told
from bot.customers import find, pick_deal
from bot.grammar.line import Fail, Line
from bot.grammar.steps import asap, deadline, due, unread
from bot.grammar.touch_words import NEXT_STEP, touch_in
from bot.intents import CustomerRef, Intent
from bot.lexer import TOUCH_TYPES, Token, is_ref, ref_id
from bot.outcome import Outcome
from bot.parse.normalize import normalize


@dataclass(frozen=True, kw_only=True)
class LogTouch(Intent):
    customer: CustomerRef
    deal_ref: int | None
    type: str  # call visit meeting email chat note
    text: str  # the rep's words, verbatim
    notes: str  # the words before "next:", without #tags
    next_step: str | None
    due: datetime | None
    tags: tuple[str, ...]
    due_all_day: bool = False  # no time written: `due` is that day's 00:00
    type_from: str | None = None  # the notes' words the kind was read from: 打了个电话, called
    asap: bool = False  # 尽快 / ASAP: the next working day, said as a guess


def parse(line: Line, tokens: list[Token]) -> LogTouch:
    customer, rest = line.customer(tokens)
    deal_ref = None
    if rest and is_ref(rest[0].text, "deal"):
        deal_ref, rest = ref_id(rest[0].text, "deal"), rest[1:]
    kind: str | None = None
    if rest and not rest[0].quoted and rest[0].folded in TOUCH_TYPES:
        kind, rest = TOUCH_TYPES[rest[0].folded], rest[1:]
    text = line.from_(rest)
    tags = tuple(t.text[1:] for t in rest if t.is_tag)
    body = without_tags(text)
    next_step, when, soon = None, None, False
    m = NEXT_STEP.search(normalize(body))  # next:, 下一步, 下步, 后续：… (touch_words)
    notes = body
    if m:
        notes = body[: m.start()].strip()
        next_step, when = deadline(line, body[m.end() :].strip())
        if when is None:
            next_step, soon = asap(next_step)
        if not next_step:
            raise Fail("missing_next_step", "log")
        if when is None and not soon:
            unread(line, next_step)
    if not notes:
        raise Fail("missing_notes", "log")
    type_from = None
    if kind is None:  # no kind's word after the customer: a verb in the notes, else a note
        kind, type_from = touch_in(notes) or ("note", None)
    return LogTouch(
        customer=customer,
        deal_ref=deal_ref,
        type=kind,
        type_from=type_from,
        text=text,
        notes=notes,
        next_step=next_step,
        tags=tags,
        asap=soon,
        **due(when),
    )


def without_tags(text: str) -> str:
    return re.sub(r"(?:^|\s)[#＃][^\s#＃\d][^\s#＃]*", "", text).strip()


def log_touch(ctx: Context, intent: LogTouch) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True, cover=True)
    deal, others = pick_deal(ctx, customer, intent.deal_ref)
    owner = covering(ctx, customer)  # a teammate's customer: their deals stay unseen
    activity = new_touch(
        ctx, customer=customer, deal=deal, kind=intent.type, text=intent.text, tags=intent.tags
    )
    task, defaulted = None, False
    if intent.next_step:
        due_at, all_day = intent.due, intent.due_all_day
        if due_at is None:  # no date-like words at all (those are asked back by the grammar)
            due_at, all_day, defaulted = default_due(ctx), True, "asap" if intent.asap else True
        task = new_task(
            ctx,
            customer=customer,
            deal=deal,
            text=intent.next_step,
            due=due_at,
            due_all_day=all_day,
            activity=activity,
        )
    text = ctx.t(
        "log.recorded",
        customer=customer,
        created=created,
        activity=activity,
        notes=intent.notes,
        task=task,
        defaulted=defaulted,
        deal=None if owner else deal,
        others=[] if owner else others,
        me=ctx.me,
        type_from=intent.type_from,
        ago=ago(ctx, task.due_at, task.due_all_day) if task else None,
        off=day_off(ctx, task.due_at, task.due_all_day) if task else None,
    )
    if owner is not None:
        return told(
            ctx,
            text,
            owner,
            customer,
            kind="touch",
            subject=f"activity:{activity.id}",
            text=intent.notes,
            activity=activity,
            task=task,
        )
    return Outcome().reply(text)


COMMAND = Command(
    key="log",
    en=("log",),
    zh=("记录", "跟进"),
    parse=parse,
    handles={LogTouch: log_touch},
)
