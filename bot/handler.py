"""One event in, one outcome out, in one transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import buttons, customers, inbox, mentions, posting
from bot.commands import ACTIONS, HANDLERS, UPLOADED, channel_talk, parse
from bot.context import Context, UserError
from bot.directory import Directory
from bot.events import Event
from bot.grammar.line import ParseContext, holiday_days
from bot.home import home
from bot.i18n import Words, pick_locale
from bot.intents import ParseError
from bot.jobs.env import JobEnv
from bot.outcome import Outcome
from bot.people import known_speaker, person_for, refresh_profile, tenant_for
from bot.settings import Settings
from bot.speaker import speaker
from storage.limits import TooLong

logger = logging.getLogger(__name__)


RETRYABLE = {"40P01", "40001"}  # deadlock detected, serialization failure
NO_COMMAND = ("empty", "not_a_command")  # what a file's caption is when it names no command
QUOTE_CHARS = 3000  # the most of a refused message quoted back: what every platform shows whole


def utcnow() -> datetime:
    return datetime.now(UTC)


def _again_or_raise(e: DBAPIError, origin: str, attempt: int) -> None:
    """Return when the write may simply run again, else raise `e`.

    - IntegrityError: a concurrent transaction created the same row first (a person seen for
      the first time, a new customer); running again sees its row.
    - A deadlock or serialization failure: PostgreSQL chose us as the victim (two first-time
      speakers of a new tenant, each waiting on the other's row); nothing was kept."""
    if not isinstance(e, IntegrityError) and getattr(e.orig, "sqlstate", None) not in RETRYABLE:
        raise e
    logger.info("conflict handling %s, attempt %d", origin, attempt + 1)


def _is_command(event: Event) -> bool:
    return event.addressed and (event.text or "").lstrip().startswith("/")


@dataclass(frozen=True)
class InboxClaim:
    """The inbox row an event came from, held by `worker`: marked done with the change."""

    id: int
    worker: str


class LostClaim(Exception):
    """Another worker took the inbox row over (ours was too slow): our work is rolled back."""


class Bot:
    def __init__(self, *, sessions: sessionmaker[Session], settings: Settings, words: Words):
        self.sessions = sessions
        self.settings = settings
        self.words = words

    def handle(
        self,
        event: Event,
        *,
        claim: InboxClaim | None = None,
        directory: Directory | None = None,
    ) -> Outcome:
        """Handle one event in one transaction: the change, its outbox rows, and (with a claim)
        the inbox row marked done commit together. Raises when the store or a bug stopped it;
        then nothing was changed, and the inbox retries or dead-letters the row. `directory`:
        the directory of the platform it came from, where it has one (bot/directory.py)."""
        origin = f"in{claim.id}" if claim else f"ev{uuid.uuid4().hex}"
        for attempt in range(3):
            try:
                with self.sessions.begin() as session:
                    outcome = self._handle(session, event, origin, directory)
                    if claim and not inbox.mark_done(session, claim.worker, claim.id, utcnow()):
                        raise LostClaim(f"inbox row {claim.id}")
                    return outcome
            except DBAPIError as e:
                _again_or_raise(e, origin, attempt)
        raise RuntimeError(f"{origin}: conflicting writes three times in a row")

    def handle_in(
        self, session: Session, event: Event, *, origin: str, directory: Directory | None = None
    ) -> Outcome:
        """Handle one event of a claimed batch inside the batch's transaction, in a savepoint
        of its own: a command that fails rolls back alone, and the others commit together
        (bot/intake.py). Raises as `handle` does; then nothing of this event was kept."""
        for attempt in range(3):
            savepoint = session.begin_nested()
            try:
                outcome = self._handle(session, event, origin, directory)
            except DBAPIError as e:
                savepoint.rollback()
                _again_or_raise(e, origin, attempt)
                continue
            except BaseException:
                savepoint.rollback()
                raise
            savepoint.commit()
            return outcome
        raise RuntimeError(f"{origin}: conflicting writes three times in a row")

    def refusal(self, event: Event) -> Outcome:
        """Never a stack trace in chat: nothing was saved, and here are your words back."""
        locale = pick_locale(event.user_locale, event.text, self.settings.locale)
        text = event.text or (event.action.button_id if event.action else "")
        return Outcome().reply(self.words(locale, "errors.internal", text=text), private=True)

    def give_up(self, session: Session, event: Event, claim: InboxClaim) -> None:
        """The inbox row is dead: tell the sender, in their language, with their words (in the
        transaction that marks it dead)."""
        tenant = tenant_for(session, event, self.settings)
        posting.post(
            session,
            tenant_id=tenant.id,
            outcome=self.refusal(event),
            origin=f"in{claim.id}:dead",
            now=event.occurred_at,
            event=event,
        )

    def _handle(
        self, session: Session, event: Event, origin: str, directory: Directory | None = None
    ) -> Outcome:
        known = known_speaker(session, event)
        tenant = known[0] if known else tenant_for(session, event, self.settings)
        if event.from_other_org and (event.action is not None or _is_command(event)):
            # someone from another organisation never becomes a person here: a polite no
            locale = pick_locale(event.user_locale, event.text, tenant.locale)
            outcome = Outcome().reply(self.words(locale, "errors.outsider"), private=True)
            posting.post(
                session,
                tenant_id=tenant.id,
                outcome=outcome,
                origin=origin,
                now=event.occurred_at,
                event=event,
            )
            return outcome
        if event.action is None and (event.from_other_org or not event.addressed):
            # overheard, or someone from another organisation (a customer in a shared
            # channel, who may never run commands here): track their questions, say nothing
            env = JobEnv(
                sessions=self.sessions,
                settings=self.settings,
                words=self.words,
                now=event.occurred_at,
            )
            outcome = channel_talk.overheard(session, tenant, event, env)
            posting.post(
                session, tenant_id=tenant.id, outcome=outcome, origin=origin, now=event.occurred_at
            )
            return outcome
        me = (known and known[1]) or person_for(
            session,
            tenant,
            platform=event.platform,
            user_id=event.user_id,
            name=event.user_name,
            now=event.occurred_at,
            timezone=event.user_timezone,
            locale=event.user_locale,
        )
        if event.profile_known:
            refresh_profile(session, me, event)
        locale = pick_locale(me.locale, event.text, tenant.locale)
        if event.text and me.locale != locale:
            me.locale = locale  # pushes and card clicks then speak the language they write
        ctx = Context(
            session=session,
            event=event,
            tenant=tenant,
            me=me,
            locale=locale,
            tz=speaker(me, tenant).zone,
            settings=self.settings,
            words=self.words,
            directory=directory,
        )
        savepoint = session.begin_nested()
        try:
            outcome = self._dispatch(ctx) if event.action or not event.page else Outcome()
            if event.page:  # the page shown again is the answer (pushes to others stay)
                outcome = Outcome(pushes=outcome.pushes).page(home(ctx))
            savepoint.commit()
        except UserError as e:
            savepoint.rollback()
            outcome = Outcome().reply(ctx.t(f"errors.{e.key}", **e.params), private=True)
        except TooLong as e:  # a name, title, … longer than the store holds: say which
            savepoint.rollback()
            outcome = Outcome().reply(
                ctx.t(
                    "errors.too_long_value",
                    table=e.table,
                    column=e.column,
                    limit=e.limit,
                    size=e.size,
                    text=event.text or "",  # handed back, so that nothing typed is lost
                ),
                private=True,
            )
        posting.post(
            session,
            tenant_id=tenant.id,
            outcome=outcome,
            origin=origin,
            now=ctx.now,
            event=event,
            speaker=me.display_name,
            clicked=(mentions.marker(me.id), ctx.now.isoformat()),
        )
        return outcome

    def _dispatch(self, ctx: Context) -> Outcome:
        event = ctx.event
        if event.action is not None:
            # the command that declared the button reads its arguments into their type; an
            # action nobody declares, or too few arguments, is not a button we made
            press = buttons.decode(event.action.button_id)
            action = ACTIONS.get(press.act) if press else None
            args = action.read(press) if action and press else None
            if action is None or args is None:
                raise UserError("unknown_button", button=event.action.button_id)
            return action.run(ctx, args)
        text = (event.text or "").strip()
        if len(text) > self.settings.max_message_chars:
            raise UserError(
                "too_long",
                limit=self.settings.max_message_chars,
                size=len(text),
                # handed back so that splitting it needs little retyping, as much of it as
                # any platform shows in one piece; the reply says how much more was not saved
                text=text[:QUOTE_CHARS],
                rest=max(len(text) - QUOTE_CHARS, 0),
            )
        asked: set[str] = set()  # phrases looked up; those found are in ctx.customers_named

        def known(phrases: Collection[str]) -> set[str]:
            if new := [p for p in phrases if p not in asked]:
                ctx.customers_named.update(
                    customers.named(ctx.session, ctx.tenant.id, new, ctx.reach)
                )
                asked.update(new)
            return {p for p in phrases if p in ctx.customers_named}

        parsed = parse(
            text,
            ParseContext(
                now=event.occurred_at,
                tz=ZoneInfo(ctx.tz),
                day_start=self.settings.day_start,
                days=holiday_days(self.settings.calendar_for(ctx.tenant.timezone)),
                is_customer=lambda name: name in known([name]),
                customers_among=known,
                pipeline=self.settings.pipeline,
            ),
        )
        if isinstance(parsed, ParseError) and event.upload and parsed.code in NO_COMMAND:
            parsed = UPLOADED  # a file on its own, or with words that are no command
        if isinstance(parsed, ParseError):
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
        return HANDLERS[type(parsed)](ctx, parsed)
