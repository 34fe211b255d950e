"""The worker process of `dealbot serve`: the intake, the outbox and the scheduler.

`serve` runs an edge process and `[inbox] workers` of these (default 1). The edge (HTTP routes,
long connections, the inbox writer) only verifies, stores and answers, so its event loop never
competes for Python's GIL with the handler's work; a worker does everything after the answer,
for its share of the inbox's lanes. They share nothing but the database, a wake-up event per
worker (a delivery was stored) and a queue of metric updates. The worker
dies with the edge (PR_SET_PDEATHSIG), and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from multiprocessing.synchronize import Event as ProcessEvent
from typing import Any

logger = logging.getLogger(__name__)


class RemoteMetrics:
    """The worker's side of the metrics: updates go to the edge, which serves /metrics."""

    def __init__(self, updates: Any) -> None:
        self.updates = updates

    def send(self, platform: str, result: str) -> None:
        with contextlib.suppress(queue.Full):
            self.updates.put_nowait(("send", platform, result))

    def job(self, name: str, seconds: float, count: int, ok: bool = True) -> None:
        with contextlib.suppress(queue.Full):
            self.updates.put_nowait(("job", name, seconds, count, ok))

    def timing(self, kind: str, platform: str, seconds: float) -> None:
        with contextlib.suppress(queue.Full):
            self.updates.put_nowait(("timing", kind, platform, seconds))


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def main(
    config_path: str | None,
    verbose: bool,
    wake: ProcessEvent,
    ready: ProcessEvent,
    updates: Any,
    edge_writing: Any,
    parent: int,
    relay: Any,
) -> None:
    """The worker process's entry point (multiprocessing, spawn)."""
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the edge, which stops us
    _die_with_parent()
    with contextlib.suppress(OSError):  # the answer is due in 3 s, the work after it is not:
        os.nice(10)  # on a busy machine the edge gets the CPU first
    if os.getppid() != parent:  # the edge died before we got here
        return
    from adapters.cli.assembly import Unreachable, assemble, inbox_policy, retention_policy
    from adapters.cli.logs import configure_logging, redact
    from adapters.platform import Services
    from adapters.registry import sections
    from adapters.server import platforms as registry
    from adapters.server.relay import RelayClient
    from adapters.server.runtime import Runtime
    from bot.config import load_config

    config = load_config(config_path, platforms=sections())
    handler = configure_logging(verbose)
    try:  # the database went away since the edge opened it: waited for as the edge did
        core = assemble(config, defer_to=lambda: edge_writing.value > 0)
    except Unreachable as e:
        logger.error("worker not starting: %s", e)
        raise SystemExit(1) from None
    services = Services(
        ingress=None,
        words=core.bot.words,
        locale=core.bot.settings.locale,
        relay=RelayClient(relay),
    )
    platforms = registry.build(config, services)
    redact(handler, config, platforms.values())
    runtime = Runtime(
        env=core.env,
        bot=core.bot,
        platforms=platforms,
        policy=core.policy,
        inbox_policy=inbox_policy(config),
        interval=config.scheduler.interval_seconds,
        poll=config.outbox.poll_seconds,
        inbox_poll=config.inbox.poll_seconds,
        metrics=RemoteMetrics(updates),
        wake=wake,
        retention=retention_policy(config),
        lease_seconds=config.server.worker_lease_seconds,
    )
    runtime.start()
    ready.set()
    while not done.wait(1.0):
        if os.getppid() != parent:
            logger.error("the edge process is gone; stopping")
            break
    runtime.stop()


class _Every:
    """Events of every worker process as one: `set` sets each (a delivery was stored: each
    worker looks at its own lanes; one shared event would be cleared by the first to wake, and
    a busy worker would miss it), `is_set` while all are."""

    def __init__(self, events: list[ProcessEvent]) -> None:
        self.events = events

    def set(self) -> None:
        for event in self.events:
            event.set()

    def is_set(self) -> bool:
        return all(event.is_set() for event in self.events)


class WorkerProcess:
    """The edge's handle on its worker processes: `count` of them ([inbox] workers), each with
    its own name, worker lease and share of the inbox's lanes, its own wake-up event and relay
    pipe; the metric queue and the edge's writing flag are shared by all."""

    def __init__(self, config_path: str | None, verbose: bool, count: int = 1) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self.ctx = multiprocessing.get_context("spawn")
        self.count = count
        self.wakes = [self.ctx.Event() for _ in range(count)]
        self.wake = _Every(self.wakes)
        # each worker runs: it can be stopped cleanly
        self.readies = [self.ctx.Event() for _ in range(count)]
        self.ready = _Every(self.readies)
        self.edge_writing = self.ctx.Value("i", 0, lock=False)  # see storage.db.DEFER_LIMIT
        self.updates = self.ctx.Queue(maxsize=10000)  # every worker's metric updates
        # requests from each worker to the platforms here (adapters/server/relay.py)
        pipes = [self.ctx.Pipe() for _ in range(count)]
        self.relays = [edge_end for edge_end, _ in pipes]
        self._relay_children = [worker_end for _, worker_end in pipes]
        self.config_path = config_path
        self.verbose = verbose
        self.processes: list[Any] = []
        self.stopping = False

    def start(self) -> None:
        for i in range(self.count):
            process = self.ctx.Process(
                target=main,
                name=f"dealbot-worker-{i}",
                daemon=False,
                args=(
                    self.config_path,
                    self.verbose,
                    self.wakes[i],
                    self.readies[i],
                    self.updates,
                    self.edge_writing,
                    os.getpid(),
                    self._relay_children[i],
                ),
            )
            process.start()
            self.processes.append(process)
            logger.info("worker process %s started", process.pid)

    def alive(self) -> bool:
        """Every worker process runs."""
        return bool(self.processes) and all(p.is_alive() for p in self.processes)

    def running(self) -> bool:
        """Some worker process still runs."""
        return any(p.is_alive() for p in self.processes)

    def died(self) -> int | None:
        """The exit code of a worker that ended without being asked to stop (a crash, the
        database never reached, the OOM killer); None while all run or once stopped on purpose."""
        if self.stopping:
            return None
        for process in self.processes:
            if not process.is_alive():
                return process.exitcode
        return None

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM to each (each finishes its row and send in flight and gives back the rest),
        all at once; the first non-zero exit code, else 0 (None if none was started)."""
        self.stopping = True
        if not self.processes:
            return None
        for process, ready in zip(self.processes, self.readies, strict=True):
            while process.is_alive() and not ready.wait(0.2):
                pass  # still starting: a stop now would not be a clean one
        for process in self.processes:
            process.terminate()
        deadline = time.monotonic() + timeout
        for process in self.processes:
            process.join(max(deadline - time.monotonic(), 0.1))
            if process.is_alive():
                logger.error(
                    "worker process %s did not stop in %ss; killing it", process.pid, timeout
                )
                process.kill()
                process.join(5)
        codes = [p.exitcode for p in self.processes]
        return next((c for c in codes if c), codes[0])
