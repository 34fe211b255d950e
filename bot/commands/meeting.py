"""/meeting <customer> <when> [duration] [with @a @b] (/会议): a meeting on the calendar; the
attendees are told, and the organiser is asked for minutes after it ends. One that overlaps
another with the same customer is warned about; /meeting M7 cancel calls one off
(bot/commands/meeting_cancel.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.commands.command import Command
from bot.commands.meeting_cancel import CANCEL, CANCEL_WORDS, MeetingCancel, cancel, clash_warning
from bot.commands.rows import ago, day_off
from bot.context import Context
from bot.customers import find
from bot.grammar.line import Fail, Line
from bot.grammar.steps import dates, unread
from bot.intents import CustomerRef, Intent
from bot.lexer import Token, is_ref, ref_id
from bot.outcome import Outcome
from bot.parse.amounts import parse_duration
from bot.parse.dates import read_when
from bot.parse.normalize import CN_NUM, ascii_lower, cn_int, normalize
from bot.parse.spans import find_leading, find_trailing
from bot.people import resolve_mention
from storage.models import Meeting


@dataclass(frozen=True, kw_only=True)
class MeetingAdd(Intent):
    customer: CustomerRef
    starts_at: datetime
    duration: timedelta
    attendees: tuple[str, ...]


def parse(line: Line, tokens: list[Token]) -> Intent:
    if tokens and is_ref(tokens[0].text, "meeting") and not line.ctx.is_customer(tokens[0].text):
        meeting_id = ref_id(tokens[0].text, "meeting")
        assert meeting_id is not None
        if ascii_lower(normalize(line.from_(tokens[1:]))).strip() not in CANCEL_WORDS:
            raise Fail("bad_meeting_ref", "meeting", ref=str(meeting_id), text=line.from_(tokens))
        return MeetingCancel(meeting_id=meeting_id)
    customer, rest = line.customer(tokens)
    attendees = tuple(line.mentions(rest))
    duration: timedelta | None = None
    when_tokens = []
    words = [
        t for t in rest if not (t.mention or t.folded in ("with", "和", "与", "参会", "参会人"))
    ]
    k = 0
    while k < len(words):
        # a length in one word (90m, 1.5h, 90分钟) or two (90 min, 2 hours)
        for n in (1, 2) if duration is None else ():
            d = _meeting_length(line, line.words(words[k : k + n])) if k + n <= len(words) else None
            if d is not None:
                duration, k = d, k + n
                break
        else:
            when_tokens.append(words[k])
            k += 1
    text = " ".join(t.text for t in when_tokens)
    when = dates(line, read_when, text) if text else None
    if when is None:
        # the words beside a date that was read ("下旬 14:00": 下旬), else all of them
        rest_text = text
        if tail := dates(line, find_trailing, text):
            rest_text = text[: tail[0]]
        elif lead := dates(line, find_leading, text):
            rest_text = text[lead[1] :]
        unread(line, rest_text)
        raise Fail("missing_when", "meeting", text=line.words(when_tokens))
    return MeetingAdd(
        customer=customer,
        starts_at=when.moment(line.ctx.day_start),
        duration=duration or timedelta(hours=1),
        attendees=attendees,
    )


_LENGTH = re.compile(
    rf"(-)?\s*([0-9]+(?:\.[0-9]+)?|{CN_NUM})\s*"
    r"(hours?|hrs?|h|minutes?|mins?|m|days?|d|个?小时|个?钟头|分钟|分|天)"
)
_LENGTH_MINUTES = {"h": 60, "d": 1440, "m": 1, "小": 60, "钟": 60, "分": 1, "天": 1440}


def _meeting_length(line: Line, text: str) -> timedelta | None:
    """A meeting's length, or None when `text` is not one; a length of 0, below 0 or over a
    day is named as the problem."""
    if (d := parse_duration(text)) is not None:
        return d
    m = _LENGTH.fullmatch(ascii_lower(normalize(text)).strip())
    if m is None:
        return None
    n = float(m[2]) if m[2][0].isdigit() else cn_int(m[2])
    minutes = n * _LENGTH_MINUTES[m[3].lstrip("个")[0]]
    if minutes and m[1]:
        raise Fail("bad_duration", "meeting", text=text, problem="negative")
    if not minutes:
        raise Fail("bad_duration", "meeting", text=text, problem="zero")
    if minutes > 24 * 60:
        raise Fail("bad_duration", "meeting", text=text, problem="too_long")
    return timedelta(minutes=round(minutes))


def add_meeting(ctx: Context, intent: MeetingAdd) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True)
    attendees = [resolve_mention(ctx, token) for token in intent.attendees]
    meeting = Meeting(
        tenant_id=ctx.tenant.id,
        customer_id=customer.id,
        organiser_id=ctx.me.id,
        attendee_ids=[str(p.id) for p in attendees],
        starts_at=intent.starts_at,
        ends_at=intent.starts_at + intent.duration,
        channel_platform=ctx.event.platform,
        channel_id=ctx.event.channel_id,
        created_at=ctx.now,
    )
    ctx.session.add(meeting)
    ctx.session.flush()
    clash = clash_warning(ctx, meeting, customer)  # the customer's meeting at that time
    minutes = int(intent.duration.total_seconds() // 60)
    out = Outcome().reply(
        ctx.t(
            "meetings.scheduled",
            meeting=meeting,
            customer=customer,
            created=created,
            attendees=attendees,
            minutes=minutes,
            ago=ago(ctx, meeting.starts_at, False),
            off=day_off(ctx, meeting.starts_at, False),
        )
    )
    for person in attendees:
        if person.id != ctx.me.id:
            out.push(
                person.id,
                ctx.t_for(
                    person,
                    "meetings.invited",
                    meeting=meeting,
                    customer=customer,
                    by=ctx.me,
                    minutes=minutes,
                ),
            )
    return out.extend(clash)


COMMAND = Command(
    key="meeting",
    en=("meeting",),
    zh=("会议",),
    parse=parse,
    handles={MeetingAdd: add_meeting, MeetingCancel: cancel},
    buttons=(CANCEL,),
)
