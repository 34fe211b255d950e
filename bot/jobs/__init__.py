"""Scheduled rules. The database says what is due; each job turns due items into outbox rows.

A job is idempotent (every push has a dedup key), so running it late, twice, or in two
processes at once delivers each push once. APScheduler only decides *when* jobs run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot import failures
from bot.jobs import (
    alerts,
    approvals,
    calendar_notice,
    digest,
    milestone_reminders,
    payment_reminders,
    quiet,
    reminders,
    review,
)
from bot.jobs.env import JobEnv

logger = logging.getLogger(__name__)

JOBS: tuple[tuple[str, Callable[[JobEnv, datetime], int]], ...] = (
    ("followups", reminders.followups),
    ("confirmations", reminders.confirmations),
    ("milestones", milestone_reminders.milestones),
    ("payments", payment_reminders.reminders),
    ("minutes", alerts.minutes),
    ("questions", alerts.questions),
    ("approvals", approvals.approvals_due),
    ("digest", digest.digests),
    ("quiet", quiet.quiet_lists),
    ("review", review.reviews),
    ("calendar", calendar_notice.makeup_days),
)


Observe = Callable[[str, float, int, bool], None]  # (rule, seconds, pushes, ran without failing)


def run_due(env: JobEnv, now: datetime, *, observe: Observe | None = None) -> dict[str, int]:
    """Run every job for `now`; returns how many pushes each one enqueued."""
    counts = {}
    env = replace(env, now=now)  # what its pushes say is said at `now`
    for name, job in JOBS:
        started, ok = time.perf_counter(), True
        try:
            counts[name] = job(env, now)
        except Exception as e:  # noqa: BLE001 - one broken rule must not stop the others
            failures.log(logger, e, "job %s failed", name, extra={"rule": name})
            counts[name], ok = 0, False
        if observe is not None:
            observe(name, time.perf_counter() - started, counts[name], ok)
    return counts
