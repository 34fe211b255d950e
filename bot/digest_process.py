"""The process's part of the digest, under its stale deals and follow-ups: late delivery
milestones (bot/milestones.py), deals held up by a required checklist item
(bot/checklist_digest.py) and overdue receivables (bot/payments.py). The morning digest
(bot/jobs/digest.py) and /digest (bot/commands/digest_view.py) both read and word it here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import milestones, payments
from bot.checklist_digest import Stuck, stuck_deals
from bot.payment_dues import Receivables
from bot.pipeline import Pipeline
from bot.reach import Reach
from bot.worktime import WorkCalendar
from storage.models import Tenant


@dataclass(kw_only=True)
class ProcessLines:
    late: list[dict[str, Any]]  # milestones past their date, most late first
    stuck: Stuck
    owed: Receivables | None

    def __bool__(self) -> bool:
        return bool(self.late or self.stuck or self.owed)

    def sections(self, say: Callable[..., str]) -> list[str]:
        """Each part that has something, in the reader's words: `say(key, **params)`."""
        out = []
        if self.late:
            out.append(say("milestone.digest_lines", items=self.late))
        if self.stuck:
            out.append(say("digest.stuck", stuck=self.stuck))
        if self.owed:
            out.append(say("payments.overdue_digest", r=self.owed))
        return [text.strip("\n") for text in out if text.strip()]


def gather(
    session: Session,
    *,
    tenant: Tenant,
    reach: Reach,
    now: datetime,
    pipeline: Pipeline,
    calendar: WorkCalendar,
    tz: str,
) -> ProcessLines:
    return ProcessLines(
        late=milestones.late_for_digest(session, tenant.id, reach, now, calendar, tenant),
        stuck=stuck_deals(
            session,
            tenant_id=tenant.id,
            reach=reach,
            now=now,
            pipeline=pipeline,
            calendar=calendar,
            tz=tz,
        ),
        owed=payments.overdue_for_digest(session, tenant.id, reach, now, tz),
    )


def appended(text: str, lines: ProcessLines, say: Callable[..., str]) -> str:
    """The digest's text with the process's sections under it."""
    return "\n".join([text.rstrip(), *lines.sections(say)])
