"""Outbox rows that carry an attachment, for the platforms' attachment tests: a stored file
kept as an export would keep it, a chart, and the real outbox worker to drain them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.delivery import Address, Delivery, Sender, TargetKind
from bot.events import ReplyHandle
from bot.outcome import Attachment, Chart, ChartSeries, Message
from bot.sending import DrainReport, Worker
from storage import files
from storage.transit import OutboxItem
from tests.test_outbox import NOW, tenant

__all__ = ["FUNNEL", "NOW", "dead", "drain", "keep", "put", "row", "tenant"]

FUNNEL = Chart(
    kind="funnel",
    title="Funnel",
    labels=("lead", "proposal", "won"),
    series=(ChartSeries(name="Deals", values=(5, 3, 1)),),
)


def keep(sessions: sessionmaker[Session], tid: int, name: str, data: bytes) -> int:
    """A stored file, as an export keeps it; its id."""
    with sessions.begin() as s:
        return files.keep(s, tenant_id=tid, kind="export", name=name, data=data, now=NOW)


def put(
    sessions: sessionmaker[Session],
    tid: int,
    key: str,
    attachment: Attachment,
    *,
    platform: str,
    to: str,
    kind: TargetKind,
    reply: ReplyHandle | None = None,
    at: datetime = NOW,
) -> int:
    """An outbox row with `attachment`, written at `at`; its id."""
    with sessions.begin() as s:
        outbox.enqueue(
            s,
            tenant_id=tid,
            dedup_key=key,
            now=at,
            kind=kind,
            reply=reply,
            to=Address(person_id=None, platform=platform, user_id=to, name=to),
            message=Message(attachment=attachment),
        )
        return s.scalar(select(OutboxItem.id).where(OutboxItem.dedup_key == key))


def drain(sessions: sessionmaker[Session], sender: Sender, *, at: datetime = NOW) -> DrainReport:
    """What is due at `at`, through the real outbox worker."""
    worker = Worker(
        sessions=sessions, senders={sender.platform: sender}, name="w", clock=lambda: at
    )
    return worker.drain()


def row(sessions: sessionmaker[Session], key: str) -> OutboxItem:
    with sessions() as s:
        found = s.scalar(select(OutboxItem).where(OutboxItem.dedup_key == key))
    assert found is not None
    return found


def dead(report: DrainReport) -> list[tuple[Delivery, str]]:
    return report.dead or []
