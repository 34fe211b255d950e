"""`dealbot serve`: one ASGI app on uvicorn, with the runtime started and stopped around it."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator
from types import FrameType

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.server.metrics import Metrics
from adapters.server.runtime import Runtime
from adapters.wiring import senders_for
from bot.assembly import assemble
from bot.config import Config

logger = logging.getLogger(__name__)


class JsonLines(logging.Formatter):
    """One JSON object per line; messages are ours, and ours never carry secrets."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def build_app(config: Config) -> Starlette:
    core = assemble(config)
    metrics = Metrics(core.outbox_depth)
    runtime = Runtime(
        env=core.env,
        senders=senders_for(config, out=sys.stdout),
        policy=core.policy,
        interval=config.scheduler.interval_seconds,
        poll=config.outbox.poll_seconds,
        metrics=metrics,
    )

    routes = []
    adapters = []
    if config.slack is not None:
        from adapters.slack.app import SlackAdapter

        slack = config.slack
        adapters.append(
            SlackAdapter(
                bot=core.bot,
                token=slack.bot_token.get_secret_value(),
                signing_secret=slack.signing_secret.get_secret_value(),
                api_base_url=slack.api_base_url,
                app_token=slack.app_token.get_secret_value() if slack.app_token else None,
                wake=runtime.wake,
                count=lambda outcome: metrics.inbound.labels("slack", outcome).inc(),
            )
        )
    for adapter in adapters:
        routes += adapter.routes()

    async def healthz(request: Request) -> Response:
        if not core.healthy():
            logger.warning("health check failed: database unreachable")
            return JSONResponse({"status": "unhealthy", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    async def metrics_endpoint(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime.start()
        for adapter in adapters:
            adapter.start()
        try:
            yield
        finally:
            for adapter in adapters:  # no new work, finish what was acknowledged
                adapter.stop()
            runtime.stop()

    app = Starlette(
        routes=[Route("/healthz", healthz), Route("/metrics", metrics_endpoint), *routes],
        lifespan=lifespan,
    )
    app.state.core, app.state.metrics, app.state.runtime = core, metrics, runtime
    return app


class _Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # uvicorn re-raises the signal after shutting down; a requested stop is a clean stop
        self._captured_signals.clear()


def run_server(config: Config) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    app = build_app(config)
    # SIGTERM / Ctrl-C: stop accepting, run the lifespan's exit (runtime.stop), exit 0
    server = _Server(
        uvicorn.Config(
            app, host=config.server.host, port=config.server.port, log_config=None, access_log=False
        )
    )
    server.run()
