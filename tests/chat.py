"""A conversation with the real Bot on a real store, without any platform."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.events import CardAction, Event, Mention
from bot.handler import Bot
from bot.i18n import Words
from bot.outcome import Outcome
from bot.settings import Settings

_MENTION = re.compile(r"(?<![\w@])@([^\s@,:;!?。，：；！？]+)")


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
        delivery_id: str | None = None,
    ) -> Event:
        mentions = tuple(
            Mention(token="@" + m, user_id=m, name=m) for m in _MENTION.findall(text or "")
        )
        return Event(
            platform="test",
            workspace_id="w1",
            user_id=who,
            user_name=who,
            channel_id="sales",
            text=text,
            mentions=mentions,
            delivery_id=delivery_id,
            action=CardAction(button_id=button) if button else None,
            occurred_at=self.now,
        )

    def send(self, event: Event) -> Outcome:
        self.last = self.bot.handle(event)
        return self.last

    def say(self, who: str, text: str) -> str:
        """Everything the speaker's channel shows, as one text (cards as their fallback)."""
        return self.text(self.send(self.event(who, text)))

    def click(self, who: str, button: str) -> str:
        return self.text(self.send(self.event(who, button=button)))

    @staticmethod
    def text(outcome: Outcome) -> str:
        parts = []
        for r in outcome.replies:
            parts.append(r.message.text or "")
            if r.message.card:
                parts.append(r.message.card.fallback)
        for u in outcome.updates:
            parts.append(u.card.fallback)
        return "\n".join(p for p in parts if p)

    def pushes(self) -> dict[int, str]:
        return {p.person_id or 0: p.message.text for p in self.last.pushes}


class Recorder:
    """A platform sender that remembers what it was asked to deliver (platform "test")."""

    platform = "test"
    min_interval = 0.0

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
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
        self.sent.append((delivery.target_name, text))
        return f"test:{delivery.id}"


class Clockwork:
    """Runs the scheduler's jobs and the outbox for a Chat, on the chat's clock."""

    def __init__(self, chat: Chat) -> None:
        from bot.jobs.env import JobEnv
        from bot.outbox import OutboxPolicy, Worker

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
