"""A conversation with the real Bot on a real store, without any platform."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot import inbox, mentions
from bot.delivery import Capabilities, Sender
from bot.events import MENTION, CardAction, Event, Mention
from bot.handler import Bot
from bot.i18n import Words
from bot.inbox import Arrival, Claimed
from bot.intake import Intake
from bot.outcome import Outcome
from bot.settings import Settings


class Chat:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        tz: str = "UTC",
        locale: str = "en",
        now: str = "2026-11-30 10:00",
    ) -> None:
        self.bot = Bot(
            sessions=sessions, settings=Settings(timezone=tz, locale=locale), words=Words()
        )
        self.tz = ZoneInfo(tz)
        self.at(now)
        self.last: Outcome = Outcome()

    def at(self, when: str) -> None:
        self.now = datetime.fromisoformat(when).replace(tzinfo=self.tz)

    def event(
        self,
        who: str,
        text: str | None = None,
        *,
        button: str | None = None,
    ) -> Event:
        said = tuple(Mention(token="@" + m, user_id=m, name=m) for m in MENTION.findall(text or ""))
        return Event(
            platform="test",
            workspace_id="w1",
            user_id=who,
            user_name=who,
            channel_id="sales",
            text=text,
            mentions=said,
            action=CardAction(button_id=button) if button else None,
            occurred_at=self.now,
        )

    # --- the durable path: what an edge stores, what an intake handles ---

    def store(self, who: str, text: str, *, key: str) -> int | None:
        """Store a delivery as a platform edge would; its inbox row id, None for a repeat."""
        arrival = Arrival(
            platform="test",
            workspace="w1",
            key=key,
            received_at=self.now,
            payload={"who": who, "text": text},
        )
        with self.bot.sessions.begin() as s:
            return inbox.accept(s, [arrival])[0]

    def parse(self, row: Claimed) -> Event:
        return self.event(row.payload["who"], row.payload["text"])

    def intake(self, name: str = "intake") -> Intake:
        return Intake(bot=self.bot, parsers={"test": self.parse}, name=name, clock=lambda: self.now)

    def send(self, event: Event) -> Outcome:
        self.last = self.bot.handle(event)
        return self.last

    def say(self, who: str, text: str) -> str:
        """Everything the speaker's channel shows, as one text (cards as their fallback)."""
        return self.text(self.send(self.event(who, text)))

    def click(self, who: str, button: str) -> str:
        return self.text(self.send(self.event(who, button=button)))

    def plain(self, text: str) -> str:
        """People as a reader sees them without a platform: `@name`."""
        with self.bot.sessions() as s:
            return mentions.names(s, text)

    def text(self, outcome: Outcome) -> str:
        parts = []
        for r in outcome.replies:
            parts.append(r.message.text or "")
            if r.message.card:
                parts.append(r.message.card.fallback)
        for u in outcome.updates:
            parts.append(u.card.fallback)
        return self.plain("\n".join(p for p in parts if p))

    def pushes(self) -> dict[int, str]:
        return {p.person_id or 0: self.plain(p.message.text) for p in self.last.pushes}


class Recorder(Sender):
    """A platform sender that remembers what it was asked to deliver (platform "test")."""

    platform = "test"
    capabilities = Capabilities(ephemeral=True, update=True)
    min_interval = 0.0

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.replies: list[tuple[str, str]] = []
        self.fail_with: Exception | None = None
        self.fail_for: str | None = None  # only this person's messages fail

    def send(self, delivery) -> str:  # type: ignore[no-untyped-def]
        if self.fail_with is not None and self.fail_for in (None, delivery.target_name):
            raise self.fail_with
        msg = delivery.message
        text = msg.text or ""
        if msg.card is not None:
            text = "\n".join(p for p in (text, msg.card.title, msg.card.fallback) if p)
            text += "\n" + " ".join(f"[{b.id}]" for b in msg.card.buttons)
        if delivery.reply is not None:  # the answers in the conversation, seen by Chat.say
            self.replies.append((delivery.target_name, mentions.render(text)))
        else:
            self.sent.append((delivery.target_name, mentions.render(text)))
        return f"test:{delivery.id}"


class Clockwork:
    """Runs the scheduler's jobs and the outbox for a Chat, on the chat's clock."""

    def __init__(self, chat: Chat) -> None:
        from bot.jobs.env import JobEnv
        from bot.outbox import OutboxPolicy
        from bot.sending import Worker

        self.chat = chat
        self.recorder = Recorder()
        self.env = JobEnv(
            sessions=chat.bot.sessions, settings=chat.bot.settings, words=chat.bot.words
        )
        self.worker = Worker(
            sessions=chat.bot.sessions,
            senders={"test": self.recorder},
            name="test-worker",
            clock=lambda: chat.now,
            policy=OutboxPolicy(max_attempts=3),
        )

    def tick(self, when: str) -> list[tuple[str, str]]:
        """Move the clock, run every job, deliver; returns (who, text) for what went out."""
        from bot.jobs import run_due

        self.chat.at(when)
        run_due(self.env, self.chat.now)
        before = len(self.recorder.sent)
        self.worker.drain()
        return self.recorder.sent[before:]
