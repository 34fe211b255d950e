"""What serve's probes answer: `GET /livez` (the process answers; no database) and `GET /readyz`
(it can store and is not saturated; `/healthz` is its alias), each failing part named.

A database probe runs on a small thread pool of its own and is answered within PROBE_TIMEOUT
whatever the database does; when it is not, what became of it says which part failed:
- it raised (a refused connection, a dropped server): "database": "unreachable";
- it started and had not finished (a lock, a slow server, no free connection): "database":
  "busy";
- it never started (every probe thread is still waiting on earlier probes): "probes"
  saturated — the edge is, whatever the database is doing;
- it finished in time and its answer came late: the event loop is saturated.
The event loop is also watched on its own (LoopWatch): a tick that runs late by more than
LOOP_LAG_LIMIT means a request waits that long before it is even read. And an inbox at its
max_depth, where the edge turns new deliveries away, is saturated too.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = 1.0  # /readyz and /metrics answer within this, whatever the database does
LOOP_LAG_LIMIT = 1.0  # the event loop this late: the edge is saturated
TICK = 0.1  # how often LoopWatch looks
WINDOW = 3.0  # LoopWatch remembers the worst lateness of this long
T = TypeVar("T")


class ProbeFailed(Exception):
    """A probe that gave no answer in time: `part` ("database", "probes", "event_loop") is
    `state` ("unreachable", "busy", "saturated")."""

    def __init__(self, part: str, state: str) -> None:
        super().__init__(f"{part} {state}")
        self.part, self.state = part, state


class Probes:
    """Database probes on their own threads, each answered within `timeout`."""

    def __init__(self, workers: int = 4, timeout: float = PROBE_TIMEOUT) -> None:
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe")
        self.timeout = timeout

    async def run(self, fn: Callable[[], T]) -> T:
        started = threading.Event()
        finished: list[float] = []

        def call() -> T:
            started.set()
            try:
                return fn()
            finally:
                finished.append(time.monotonic())

        deadline = time.monotonic() + self.timeout
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self.pool, call), self.timeout)
        except TimeoutError:
            if not started.is_set():
                raise ProbeFailed("probes", "saturated") from None
            if finished and finished[0] <= deadline:
                raise ProbeFailed("event_loop", "saturated") from None
            raise ProbeFailed("database", "busy") from None
        except (SQLAlchemyError, OSError) as e:
            logger.warning("probe: database %s", e.__class__.__name__)
            raise ProbeFailed("database", "unreachable") from e

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


class LoopWatch:
    """How late the event loop runs what is due: a tick every TICK seconds notes how late it
    woke; `lag()` is the worst of the last WINDOW seconds, or of the tick overdue now."""

    def __init__(self) -> None:
        self._seen: deque[tuple[float, float]] = deque()  # (when, how late)
        self._due = time.monotonic() + TICK

    async def run(self) -> None:
        while True:
            self._due = time.monotonic() + TICK
            await asyncio.sleep(TICK)
            now = time.monotonic()
            self._seen.append((now, max(0.0, now - self._due)))
            while self._seen and self._seen[0][0] < now - WINDOW:
                self._seen.popleft()

    def lag(self) -> float:
        now = time.monotonic()
        recent = [late for when, late in self._seen if when >= now - WINDOW]
        return max([now - self._due, *recent, 0.0])


def ready(
    depth: Any | None,
    failed: ProbeFailed | None,
    *,
    worker: str,
    lag: float,
    max_depth: int,
    inbox_busy: bool,
) -> tuple[int, dict[str, Any]]:
    """/readyz's (status, body). `depth` is the inbox's (bot.inbox.Depth) when the probe
    answered; `failed` says why it did not; `worker` is "ok", "starting" or "down"."""
    if failed is not None and failed.part == "database":
        return 503, {"status": "unhealthy", "database": failed.state}
    body: dict[str, Any] = {"database": "unchecked" if failed else "ok"}
    saturated = [failed.part] if failed else []
    if worker != "ok":
        body["worker"] = worker
    if depth is not None:
        body["inbox"] = {
            "backlog": depth.pending,
            "oldest_seconds": round(depth.oldest_age, 1),
            "dead": depth.dead,
        }
    if inbox_busy or (depth is not None and depth.pending >= max_depth):
        saturated.append("inbox")  # the edge turns new deliveries away
        body.setdefault("inbox", {})["max_depth"] = max_depth
    if lag > LOOP_LAG_LIMIT and "event_loop" not in saturated:
        saturated.append("event_loop")
    if "event_loop" in saturated:
        body["event_loop_lag_seconds"] = round(lag, 2)
    if saturated:
        body["saturated"] = saturated
    if worker != "ok":
        return 503, {"status": "unhealthy", **body}
    if saturated:
        return 503, {"status": "saturated", **body}
    return 200, {"status": "ok", **body}
