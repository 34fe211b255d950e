"""The worker process of `dealbot serve`: the intake, the outbox and the scheduler.

`serve` runs two processes. The edge (HTTP routes, long connections, the inbox writer) only
verifies, stores and answers, so its event loop never competes for Python's GIL with the
handler's work; this process does everything after the answer. They share nothing but the
database, a wake-up event (a delivery was stored) and a queue of metric updates. The worker
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

    def job(self, name: str, seconds: float, count: int) -> None:
        with contextlib.suppress(queue.Full):
            self.updates.put_nowait(("job", name, seconds, count))


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


class WorkerProcess:
    """The edge's handle on the worker process."""

    def __init__(self, config_path: str | None, verbose: bool) -> None:
        self.ctx = multiprocessing.get_context("spawn")
        self.wake = self.ctx.Event()
        self.ready = self.ctx.Event()  # the worker runs: it can be stopped cleanly
        self.edge_writing = self.ctx.Value("i", 0, lock=False)  # see storage.db.DEFER_LIMIT
        self.updates = self.ctx.Queue(maxsize=10000)
        # requests from the worker to the platforms here (adapters/server/relay.py)
        self.relay, self.relay_child = self.ctx.Pipe()
        self.config_path = config_path
        self.verbose = verbose
        self.process: Any = None
        self.stopping = False

    def start(self) -> None:
        self.process = self.ctx.Process(
            target=main,
            name="dealbot-worker",
            daemon=False,
            args=(
                self.config_path,
                self.verbose,
                self.wake,
                self.ready,
                self.updates,
                self.edge_writing,
                os.getpid(),
                self.relay_child,
            ),
        )
        self.process.start()
        logger.info("worker process %s started", self.process.pid)

    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def died(self) -> int | None:
        """Its exit code, when it ended without being asked to stop (a crash, the database
        never reached, the OOM killer); None while it runs or once stopped on purpose."""
        if self.process is None or self.stopping or self.process.is_alive():
            return None
        return self.process.exitcode

    def stop(self, timeout: float = 15) -> int | None:
        self.stopping = True
        if self.process is None:
            return None
        while self.process.is_alive() and not self.ready.wait(0.2):
            pass  # still starting: a stop now would not be a clean one
        self.process.terminate()  # SIGTERM: finish the row and the send in flight, give back
        self.process.join(timeout)
        if self.process.is_alive():
            logger.error("worker process did not stop in %ss; killing it", timeout)
            self.process.kill()
            self.process.join(5)
        return self.process.exitcode
