"""/minutes <customer> <text, action items "- @bob … by Fri"> (/纪要): a meeting's minutes,
kept as a touch; each action item becomes a task of its owner."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.commands.command import Command
from bot.commands.rows import ago, day_off, default_due, new_task, new_touch
from bot.context import Context
from bot.customers import find, pick_deal
from bot.grammar.line import Fail, Line
from bot.grammar.steps import asap, deadline, due, unread
from bot.intents import CustomerRef, Intent
from bot.lexer import Token
from bot.outcome import Outcome
from bot.parse.normalize import normalize
from bot.people import resolve_mention
from storage.models import Meeting


@dataclass(frozen=True, kw_only=True)
class ActionItem:
    owner: str | None  # @token; None means the speaker
    text: str
    due: datetime | None
    due_all_day: bool = False
    asap: bool = False  # 尽快 / ASAP: the next working day, said as a guess


@dataclass(frozen=True, kw_only=True)
class MinutesAdd(Intent):
    customer: CustomerRef
    text: str
    items: tuple[ActionItem, ...]


# "- @bob …": after a space, or straight after a Chinese full stop (no space is written there)
_ITEM = re.compile(r"(?:^|\s|(?<=[。；！？]))[-－•*]\s*(?=@)|\n\s*[-－•*]\s+")


def parse(line: Line, tokens: list[Token]) -> MinutesAdd:
    customer, rest = line.customer(tokens)
    text = line.from_(rest)
    if not text:
        raise Fail("missing_text", "minutes")
    parts = _ITEM.split(text)
    items = []
    for part in parts[1:]:
        part = part.strip()
        owner = None
        m = re.match(r"@([^\s@,:;，：；]+)", normalize(part))
        if m:
            owner, part = "@" + m.group(1), part[m.end() :].strip()
        what, when = deadline(line, part)
        soon = False
        if when is None:
            what, soon = asap(what)
        if what:
            if when is None and not soon:
                unread(line, what)
            items.append(ActionItem(owner=owner, text=what, asap=soon, **due(when)))
    return MinutesAdd(customer=customer, text=text, items=tuple(items))


def add_minutes(ctx: Context, intent: MinutesAdd) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True)
    deal, _ = pick_deal(ctx, customer, None)
    activity = new_touch(ctx, customer=customer, deal=deal, kind="meeting", text=intent.text)
    # the minutes belong to the latest meeting with this customer that has begun and has none
    meeting = ctx.session.scalar(
        select(Meeting)
        .where(
            Meeting.customer_id == customer.id,
            Meeting.minutes_activity_id.is_(None),
            Meeting.starts_at <= ctx.now,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )
    if meeting is not None:
        meeting.minutes_activity_id = activity.id
    out = Outcome()
    tasks = []
    for item in intent.items:
        owner = resolve_mention(ctx, item.owner) if item.owner else ctx.me
        due_at, all_day, defaulted = item.due, item.due_all_day, False
        if due_at is None:  # no date-like words at all (those are asked back by the grammar)
            due_at, all_day, defaulted = default_due(ctx), True, "asap" if item.asap else True
        task = new_task(
            ctx,
            customer=customer,
            deal=deal,
            text=item.text,
            due=due_at,
            due_all_day=all_day,
            owner=owner,
            activity=activity,
            meeting=meeting,
        )
        tasks.append(
            {
                "task": task,
                "owner": owner,
                "defaulted": defaulted,
                "ago": ago(ctx, task.due_at, task.due_all_day),
                "off": day_off(ctx, task.due_at, task.due_all_day),
            }
        )
        if owner.id != ctx.me.id:
            out.push(
                owner.id,
                ctx.t_for(
                    owner,
                    "meetings.action_item",
                    task=task,
                    customer=customer,
                    by=ctx.me,
                ),
            )
    summary = Outcome().reply(
        ctx.t(
            "meetings.minutes_saved",
            customer=customer,
            created=created,
            meeting=meeting,
            tasks=tasks,
        )
    )
    return summary.extend(out)


COMMAND = Command(
    key="minutes",
    en=("minutes",),
    zh=("纪要",),
    parse=parse,
    handles={MinutesAdd: add_minutes},
)
