"""Two meetings with one customer at once, and calling one off: `/meeting M7 cancel` (/会议 M7
取消, or the button a warning about an overlap carries). The organiser may cancel a meeting,
and so may anyone who reaches its customer. A cancelled meeting is gone — its row deleted,
its details kept in the audit — so no minutes are asked for it (bot/jobs/alerts.py); one that
has minutes, or tasks from them, took place and is not cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot import audit
from bot.commands.command import Action
from bot.context import Context
from bot.intents import Intent
from bot.outcome import Button, Card, Outcome
from storage.models import Customer, Meeting, Person, Task

CANCEL_WORDS = frozenset(("cancel", "cancelled", "canceled", "call off", "取消", "撤销", "删除"))


@dataclass(frozen=True, kw_only=True)
class MeetingCancel(Intent):
    meeting_id: int


@dataclass(frozen=True, kw_only=True)
class CancelButton:
    """`meeting.cancel:7`: call meeting M7 off."""

    meeting_id: int


def overlapping(ctx: Context, meeting: Meeting) -> list[Meeting]:
    """The customer's other meetings that share some time with `meeting`, earliest first."""
    return list(
        ctx.session.scalars(
            select(Meeting)
            .where(Meeting.tenant_id == ctx.tenant.id, Meeting.customer_id == meeting.customer_id)
            .where(Meeting.id != meeting.id)
            .where(Meeting.starts_at < meeting.ends_at, Meeting.ends_at > meeting.starts_at)
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def clash_warning(ctx: Context, meeting: Meeting, customer: Customer) -> Outcome:
    """A warning naming the meetings `meeting` overlaps, with a Cancel for each and for it;
    nothing when it overlaps none."""
    others = overlapping(ctx, meeting)
    if not others:
        return Outcome()
    rows = [
        {
            "meeting": m,
            "organiser": ctx.session.get(Person, m.organiser_id) if m.organiser_id else None,
        }
        for m in others
    ]
    text = ctx.t("meetings.overlap", meeting=meeting, customer=customer, others=rows)
    buttons = tuple(
        Button(
            id=CANCEL.id(CancelButton(meeting_id=m.id)),
            label=ctx.t("meetings.cancel_button", meeting=m),
            style="danger",
        )
        for m in [meeting, *others][:5]
    )
    title, _, body = text.partition("\n")
    card = Card(
        key=f"meeting-overlap:{meeting.id}",
        title=title,
        body=body,
        buttons=buttons,
        fallback=text,
        tone="alert",
    )
    return Outcome().reply(card=card, private=True)


def cancel(ctx: Context, intent: MeetingCancel) -> Outcome:
    return _cancel(ctx, intent.meeting_id)


def cancel_pressed(ctx: Context, press: CancelButton) -> Outcome:
    return _cancel(ctx, press.meeting_id)


def _cancel(ctx: Context, meeting_id: int) -> Outcome:
    meeting = ctx.session.get(Meeting, meeting_id, with_for_update=True, populate_existing=True)
    customer = ctx.session.get(Customer, meeting.customer_id) if meeting else None
    if (
        meeting is None
        or customer is None
        or meeting.tenant_id != ctx.tenant.id
        or not (meeting.organiser_id == ctx.me.id or ctx.reach.customer(customer))
    ):  # gone (cancelled already), or not one this person may see: the same answer
        return Outcome().reply(ctx.t("meetings.unknown", ref=meeting_id), private=True)
    tasks = ctx.session.scalar(
        select(func.count(Task.id)).where(Task.source_meeting_id == meeting.id)
    )
    if meeting.minutes_activity_id is not None or tasks:
        return Outcome().reply(
            ctx.t("meetings.took_place", meeting=meeting, customer=customer), private=True
        )
    details = _details(meeting)
    audit.record(
        ctx, "meeting.cancel", f"meeting:{meeting.id}", customer_id=customer.id, before=details
    )
    told = {int(p) for p in meeting.attendee_ids} | {meeting.organiser_id or ctx.me.id}
    ctx.session.delete(meeting)
    out = Outcome().reply(ctx.t("meetings.cancelled", meeting=meeting, customer=customer))
    for person_id in sorted(told - {ctx.me.id}):
        person = ctx.session.get(Person, person_id)
        if person is not None:
            said = ctx.t_for(
                person,
                "meetings.cancelled_notice",
                meeting=meeting,
                customer=customer,
                by=ctx.me,
            )
            out.push(person.id, said)
    return out


def _details(meeting: Meeting) -> dict[str, str | int | list[str] | datetime | None]:
    return {
        "customer_id": meeting.customer_id,
        "organiser_id": meeting.organiser_id,
        "attendee_ids": list(meeting.attendee_ids),
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "channel_platform": meeting.channel_platform,
        "channel_id": meeting.channel_id,
        "created_at": meeting.created_at,
    }


CANCEL = Action(act="meeting.cancel", args=CancelButton, run=cancel_pressed)
