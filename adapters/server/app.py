"""`dealbot serve`'s edge process: one ASGI app on uvicorn with every configured platform's
routes and long connections, the inbox writer, /livez, /readyz (its alias /healthz) and /metrics;
it starts and stops the worker processes (adapters/server/worker.py, `[inbox] workers`) that do
everything after the answer."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import queue
import resource
import signal
import threading
from collections.abc import AsyncIterator
from types import FrameType
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.cli.assembly import assemble
from adapters.cli.logs import configure_logging, redact
from adapters.cli.process import of_process
from adapters.ingress import Ingress
from adapters.platform import EdgeLimits, Services
from adapters.server import platforms as registry
from adapters.server.guard import InFlight, guarded_h11
from adapters.server.metrics import Metrics, Snapshot
from adapters.server.readiness import LoopWatch, ProbeFailed, Probes, ready
from adapters.server.relay import RelayServer
from adapters.server.worker import WorkerProcess
from bot.config import Config

logger = logging.getLogger(__name__)


def build_app(config: Config, worker: WorkerProcess) -> Starlette:
    core = assemble(config)
    metrics = Metrics()
    ingress = Ingress(
        sessions=core.bot.sessions,
        max_depth=config.inbox.max_depth,
        on_saved=worker.wake.set,
        writing=worker.edge_writing,
    )
    services = Services(
        ingress=ingress,
        words=core.bot.words,
        locale=core.bot.settings.locale,
        limits=EdgeLimits(
            max_body_bytes=config.inbox.max_body_bytes,
            body_timeout=config.inbox.body_timeout_seconds,
        ),
        count=metrics.count,
        timing=metrics.timing,
    )
    services.hold, services.let_go = of_process(core.bot.sessions)
    platforms = registry.build(config, services)
    relay = RelayServer(worker.relays, platforms)
    probes, watch = Probes(), LoopWatch()
    stopping = threading.Event()

    def observe_backlog() -> None:
        # the edge's own count of the inbox, so back-pressure eases as soon as rows are done
        while not stopping.wait(config.inbox.poll_seconds):
            try:
                ingress.observe(core.inbox_depth().pending)
            except Exception as e:  # noqa: BLE001 - the store is down: keep the last count
                logger.debug("inbox depth: %s", e.__class__.__name__)

    def relay_metrics() -> None:  # the worker's sends and job runs, into this /metrics
        while not stopping.is_set():
            try:
                update = worker.updates.get(timeout=0.5)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            if update[0] == "send":
                metrics.send(update[1], update[2])
            elif update[0] == "job":
                metrics.job(*update[1:])
            elif update[0] == "timing":
                metrics.timing(*update[1:])

    async def livez(request: Request) -> Response:  # the process answers: no database
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:  # it can store and is not saturated
        depth, failed = None, None
        try:
            depth = await probes.run(core.inbox_depth)
        except ProbeFailed as e:
            failed = e
            logger.warning("readiness: %s %s", e.part, e.state)
        state = "ok" if worker.ready.is_set() else "starting"
        status, body = ready(
            depth,
            failed,
            worker=state if worker.alive() else "down",
            lag=watch.lag(),
            max_depth=config.inbox.max_depth,
            inbox_busy=ingress.busy(),
        )
        return JSONResponse(body, status)

    def snapshot() -> Snapshot:
        depth = core.inbox_depth()
        return Snapshot(
            database_up=True,
            outbox=core.outbox_depth(),
            inbox_backlog=depth.pending,
            inbox_dead=depth.dead,
            inbox_oldest_seconds=depth.oldest_age,
        )

    async def metrics_endpoint(request: Request) -> Response:
        try:
            metrics.snapshot = await probes.run(snapshot)
        except Exception:  # noqa: BLE001 - still answer: the database gauge says it is down
            metrics.snapshot = Snapshot(database_up=False)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    def watch_worker() -> None:
        # without its worker, serve would acknowledge and store forever and answer nothing:
        # stop, exit non-zero, and let the supervisor (systemd, Kubernetes) start both again
        while not stopping.wait(1.0):
            code = worker.died()
            if code is not None:
                logger.error(
                    "the worker process exited with %s; serve stops so that it is "
                    "started again (what was stored stays in the inbox)",
                    code,
                )
                app.state.worker_died = code
                os.kill(os.getpid(), signal.SIGTERM)
                return

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ingress.start()
        threads = [
            threading.Thread(target=f, name=f.__name__, daemon=True)
            for f in (observe_backlog, relay_metrics, watch_worker)
        ]
        for t in threads:
            t.start()
        watching = asyncio.create_task(watch.run())
        started = []
        try:
            for platform in platforms.values():
                platform.start()  # a platform that cannot start stops serve here
                started.append(platform)
            relay.start()
            yield
        finally:
            for platform in started:  # no new work; what was stored stays in the inbox
                platform.stop()
            ingress.stop()  # write what was acknowledged
            code = worker.stop()
            stopping.set()
            watching.cancel()
            probes.shutdown()
            logger.info("edge stopped; worker exited with %s", code)

    routes: list[Any] = [
        Route("/livez", livez),
        Route("/readyz", readyz),
        Route("/healthz", readyz),
        Route("/metrics", metrics_endpoint),
    ]
    for platform in platforms.values():
        routes += platform.routes()
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.core, app.state.metrics, app.state.platforms = core, metrics, platforms
    app.state.worker_died = None
    return app


class _Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # uvicorn re-raises the signal after shutting down; a requested stop is a clean stop
        self._captured_signals.clear()


def _raise_open_file_limit() -> None:
    # every slow client holds a descriptor: take what the system allows, not the soft default
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    logger.debug("open file limit %s → %s", soft, hard)


def run_server(config: Config, *, config_path: str | None = None, verbose: bool = False) -> None:
    handler = configure_logging(verbose)
    if note := registry.no_platform_note(config):
        logger.warning(note)
    worker = WorkerProcess(config_path, verbose, config.inbox.workers)
    app = build_app(config, worker)
    redact(handler, config, app.state.platforms.values())
    _raise_open_file_limit()
    # what is loaded now lives as long as the process: keep the collector from walking it on
    # every full collection (pauses that would land on an answer's latency)
    gc.collect()
    gc.freeze()
    worker.start()
    # SIGTERM / Ctrl-C: stop accepting, finish requests (at most 5 s), then the lifespan's
    # exit: platforms stop, the inbox writer flushes, the worker gives its claims back; the
    # backlog stays in the inbox for the next start
    # no limit_concurrency: uvicorn's counts every open connection, so connections that never
    # finish their headers got every real request a 503; the guard counts requests instead,
    # closes heads slower than header_timeout_seconds and caps connections per address
    server = _Server(
        uvicorn.Config(
            InFlight(app, config.inbox.max_connections),
            host=config.server.host,
            port=config.server.port,
            log_config=None,
            access_log=False,
            http=guarded_h11(
                config.server.header_timeout_seconds,
                config.server.max_connections_per_client or config.inbox.max_connections,
            ),
            ws="none",  # serve has no WebSocket route (its long connections are clients)
            timeout_graceful_shutdown=5,
        )
    )
    try:
        server.run()
    finally:
        if worker.running():  # the server never started (a port in use): don't leave it behind
            worker.stop()
    if app.state.worker_died is not None:
        raise SystemExit(1)
