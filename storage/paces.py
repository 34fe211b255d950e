"""Pacing shared by every instance: when a conversation may next be sent to.

A platform allows so many messages a second to one chat or member (Slack ~1/s per channel,
Feishu 5/s per chat, WeCom 30/min per member, which it enforces by dropping the rest without a
word). Kept per process, two instances together would send at twice the pace, so the turn is
taken in the database, under a row lock, by whichever instance sends next.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from storage import queue
from storage.transit import Pace

KEY_LIMIT = 300  # the column's width


def take_turn(
    sessions: sessionmaker[Session], key: str, *, interval: float, now: datetime
) -> float:
    """Take the conversation's next turn if it has come: 0.0, and the turn after it is
    `interval` seconds on. Otherwise the seconds still to wait, and nothing is taken."""
    key = key[:KEY_LIMIT]
    with sessions.begin() as s:
        s.execute(queue.insert_new(s, Pace, ["key"]).values(key=key, next_at=now))
        pace = s.get(Pace, key, with_for_update=True, populate_existing=True)
        assert pace is not None
        wait = (pace.next_at - now).total_seconds()
        if wait > 0:
            return wait
        pace.next_at = now + timedelta(seconds=interval)
        return 0.0


def forget_before(sessions: sessionmaker[Session], before: datetime) -> int:
    """Delete the turns that passed before `before`: a conversation quiet since then starts
    afresh, and the table holds only the conversations of the last while."""
    with sessions.begin() as s:
        return s.execute(delete(Pace).where(Pace.next_at < before)).rowcount or 0
