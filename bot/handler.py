"""One event in, one outcome out, in one transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import customers, grammar, outbox
from bot import intents as i
from bot.commands import admin, channel_talk, deals, meetings, records, requirements, views
from bot.context import Context, UserError
from bot.events import Event
from bot.i18n import Words, pick_locale
from bot.jobs.env import JobEnv
from bot.outcome import Message, Outcome
from bot.people import Address, address_of, person_for, tenant_for
from bot.settings import Settings
from storage.models import ProcessedInbound

logger = logging.getLogger(__name__)

COMMANDS: dict[type, Callable[[Context, Any], Outcome]] = {
    i.LogTouch: records.log_touch,
    i.TaskAdd: records.add_task,
    i.TaskList: records.list_tasks,
    i.QuestionAdd: records.add_question,
    i.Answered: records.answered,
    i.DealCommand: deals.deal,
    i.MeetingAdd: meetings.add_meeting,
    i.MinutesAdd: meetings.add_minutes,
    i.ReqAdd: requirements.add,
    i.ReqRevise: requirements.revise,
    i.PipelineView: views.pipeline,
    i.DigestView: views.digest,
    i.ProgressView: views.progress,
    i.CustomerShow: views.customer,
    i.TargetSet: admin.set_target,
    i.Handover: admin.handover,
    i.CustomerAliasAdd: admin.add_alias,
    i.Help: admin.show_help,
    i.RoleSet: admin.set_role,
    i.TeamSet: admin.set_team,
    i.Link: admin.link,
}

BUTTONS: dict[str, Callable[[Context, tuple[int, ...]], Outcome]] = {
    "req.confirm": lambda ctx, a: requirements.press(ctx, "confirm", a[0], a[1]),
    "req.change": lambda ctx, a: requirements.press(ctx, "change", a[0], a[1]),
    "task.done": lambda ctx, a: records.task_done(ctx, a[0]),
    "task.snooze": lambda ctx, a: records.task_snooze(ctx, a[0]),
    "task.log": lambda ctx, a: records.task_log(ctx, a[0]),
}


class Bot:
    def __init__(self, *, sessions: sessionmaker[Session], settings: Settings, words: Words):
        self.sessions = sessions
        self.settings = settings
        self.words = words

    def handle(self, event: Event) -> Outcome:
        for attempt in range(3):
            try:
                with self.sessions.begin() as session:
                    return self._handle(session, event)
            except IntegrityError:
                # a concurrent transaction created the same row first (a person seen for the
                # first time, a new customer, the same delivery): run again and see its row
                logger.info("conflict handling %s, attempt %d", event.message_id, attempt + 1)
            except Exception:
                logger.exception("failed to handle %s", event.message_id or event.delivery_id)
                break
        # never a stack trace in chat: say nothing was saved and hand the words back
        locale = pick_locale(event.user_locale, event.text, self.settings.locale)
        text = event.text or (event.action.button_id if event.action else "")
        return Outcome().reply(self.words(locale, "errors.internal", text=text), private=True)

    def _handle(self, session: Session, event: Event) -> Outcome:
        tenant = tenant_for(session, event, self.settings)
        if event.delivery_id and not self._first_delivery(session, tenant.id, event):
            return Outcome()
        spoken_to = event.addressed or (event.text or "").lstrip().startswith(("/", "／"))
        if event.action is None and (event.from_other_org or not spoken_to):
            # overheard, or someone from another organisation (a customer in a shared
            # channel, who may never run commands here): track their questions, say nothing
            env = JobEnv(sessions=self.sessions, settings=self.settings, words=self.words)
            channel_talk.overheard(session, tenant, event, env)
            return Outcome()
        me = person_for(
            session,
            tenant,
            platform=event.platform,
            user_id=event.user_id,
            name=event.user_name,
            now=event.occurred_at,
            timezone=event.user_timezone,
            locale=event.user_locale,
        )
        if event.user_timezone and me.timezone != event.user_timezone:
            me.timezone = event.user_timezone  # the platform's profile is the truth
        locale = pick_locale(me.locale, event.text, tenant.locale)
        if event.text and me.locale != locale:
            me.locale = locale  # pushes and card clicks then speak the language they write
        ctx = Context(
            session=session,
            event=event,
            tenant=tenant,
            me=me,
            locale=locale,
            tz=me.timezone or tenant.timezone,
            settings=self.settings,
            words=self.words,
        )
        savepoint = session.begin_nested()
        try:
            outcome = self._dispatch(ctx)
            savepoint.commit()
        except UserError as e:
            savepoint.rollback()
            outcome = Outcome().reply(ctx.t(f"errors.{e.key}", **e.params), private=True)
            if event.reply_via_outbox:
                self._enqueue_replies(ctx, outcome)
            return outcome
        if event.reply_via_outbox:
            self._enqueue_replies(ctx, outcome)
        self._enqueue_pushes(ctx, outcome)
        return outcome

    def _enqueue_replies(self, ctx: Context, outcome: Outcome) -> None:
        """Replies and card updates as outbox rows, committed with the change they report."""
        outcome.queued = True
        event = ctx.event
        origin = f"reply:{self._origin(event)}"
        here = Address(
            person_id=None, platform=event.platform, user_id=event.channel_id, name=event.channel_id
        )
        meta = {**event.reply_meta, "user": event.user_id}
        if event.thread_id:
            meta["thread"] = event.thread_id
        for n, reply in enumerate(outcome.replies):
            outbox.enqueue(
                ctx.session,
                tenant_id=ctx.tenant.id,
                dedup_key=f"{origin}:{n}",
                to=here,
                message=reply.message,
                now=ctx.now,
                target_kind="ephemeral" if reply.private else "channel",
                meta=meta,
            )
        clicked = event.action.card_message_id if event.action else None
        for n, update in enumerate(outcome.updates):
            if clicked:
                outbox.enqueue(
                    ctx.session,
                    tenant_id=ctx.tenant.id,
                    dedup_key=f"{origin}:update:{n}",
                    to=here,
                    message=Message(card=update.card),
                    now=ctx.now,
                    target_kind="update",
                    meta={
                        **meta,
                        "message": clicked,
                        "actor": ctx.me.display_name,
                        "at": ctx.now.isoformat(),
                    },
                )

    @staticmethod
    def _origin(event: Event) -> str:
        return event.delivery_id or event.message_id or uuid.uuid4().hex

    def _enqueue_pushes(self, ctx: Context, outcome: Outcome) -> None:
        """Pushes leave through the outbox, in the same transaction as the change they tell of."""
        origin = self._origin(ctx.event)
        for n, push in enumerate(outcome.pushes):
            if push.person_id is not None:
                to = address_of(ctx.session, push.person_id, prefer=ctx.event.platform)
                kind = "person"
            else:
                to = Address(
                    person_id=None,
                    platform=push.channel_platform or ctx.event.platform,
                    user_id=push.channel_id or "",
                    name=push.channel_id or "",
                )
                kind = "channel"
            outbox.enqueue(
                ctx.session,
                tenant_id=ctx.tenant.id,
                dedup_key=f"push:{origin}:{n}",
                to=to,
                message=push.message,
                now=ctx.now,
                target_kind=kind,
            )

    def _first_delivery(self, session: Session, tenant_id: int, event: Event) -> bool:
        seen = session.scalar(
            select(ProcessedInbound.id).where(
                ProcessedInbound.platform == event.platform,
                ProcessedInbound.delivery_id == event.delivery_id,
            )
        )
        if seen is not None:
            return False
        session.add(
            ProcessedInbound(
                tenant_id=tenant_id,
                platform=event.platform,
                delivery_id=event.delivery_id or "",
                received_at=event.occurred_at,
            )
        )
        session.flush()
        return True

    def _dispatch(self, ctx: Context) -> Outcome:
        event = ctx.event
        if event.action is not None:
            press = BUTTONS.get(event.action.name)
            try:
                args = tuple(int(a) for a in event.action.args)
            except ValueError:
                press = None
            if press is None:
                raise UserError("unknown_button", button=event.action.button_id)
            return press(ctx, args)
        text = (event.text or "").strip()
        if len(text) > self.settings.max_message_chars:
            raise UserError(
                "too_long",
                limit=self.settings.max_message_chars,
                size=len(text),
                text=text[:20000],  # handed back so that splitting it needs no retyping
            )
        parsed = grammar.parse(
            text,
            grammar.ParseContext(
                now=event.occurred_at,
                tz=ZoneInfo(ctx.tz),
                day_start=self.settings.day_start,
                is_customer=lambda name: (
                    customers.exact(ctx.session, ctx.tenant.id, name) is not None
                ),
                pipeline=self.settings.pipeline,
            ),
        )
        if isinstance(parsed, i.ParseError):
            params = dict(parsed.params)
            stages = [s.name(ctx.locale) for s in self.settings.pipeline.stages]
            raise UserError(
                "parse",
                code=parsed.code,
                command=parsed.command,
                params=params,
                text=text,
                stages=stages,
            )
        return COMMANDS[type(parsed)](ctx, parsed)
