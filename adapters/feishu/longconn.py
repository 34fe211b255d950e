"""Feishu's long connection (lark_oapi.ws.Client), run so that it cannot block `serve`.

lark-oapi 1.7.x has traps this module works around, each named where it is handled:
- the client runs on a module-level event loop captured at import and `start()` never returns:
  it gets a loop of its own, in a thread of its own, and `stop()` stops that loop;
- its endpoint discovery (`requests.post`) has no timeout, so a black-holed network leaves the
  bot deaf for good (oapi-sdk-python#169): the call gets one;
- it stops reconnecting after the server's ReconnectCount attempts: it never gives up here;
- it calls the handler inside its loop and writes the ack only when the handler returns: the
  handler stores the event in the inbox and returns (slow work happens after, from the inbox).
A dead socket is noticed by the websockets keepalive (a ping every 20 s), which closes it, and
the client then reconnects.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
import types
from collections.abc import Callable
from typing import Any

import lark_oapi as lark
import requests

from adapters.feishu.config import FeishuSection

logger = logging.getLogger(__name__)

DISCOVERY_TIMEOUT = 10.0  # seconds for the endpoint-discovery POST
FIRST_CONNECT = 10.0  # seconds start() waits to report credentials Feishu refused


class _Handler(lark.EventDispatcherHandler):
    """Hands each event's bytes to `take`, whose return value is the ack's data (a card
    callback's response); an exception makes the SDK answer 500, so Feishu sends it again."""

    def __init__(self, take: Callable[[bytes], Any]) -> None:
        super().__init__()
        self._take = take

    def _do_without_validation(self, payload: bytes) -> Any:  # the ws client's one entry point
        return self._take(payload)


class LongConnection:
    def __init__(self, config: FeishuSection, take: Callable[[bytes], Any]) -> None:
        self.config = config
        self.take = take
        self.loop: asyncio.AbstractEventLoop | None = None
        self.client: Any = None
        self.failed: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Connect in the background; raise if Feishu refuses the app's credentials."""
        self._thread = threading.Thread(
            target=self._run, name="feishu-long-connection", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + FIRST_CONNECT
        while time.monotonic() < deadline and not self.connected() and self.failed is None:
            time.sleep(0.05)
        if self.failed is not None:
            raise RuntimeError(f"feishu: the long connection was refused: {self.failed}")
        if self.connected():
            logger.info("feishu: long connection open")
        else:
            logger.warning("feishu: long connection not open yet; it keeps trying")

    def connected(self) -> bool:
        return self.client is not None and getattr(self.client, "_conn", None) is not None

    def _run(self) -> None:
        import lark_oapi.ws.client as ws

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        ws.loop = loop  # the SDK's module-level loop: ours, in this thread
        ws.requests = types.SimpleNamespace(  # type: ignore[attr-defined]
            post=functools.partial(requests.post, timeout=DISCOVERY_TIMEOUT)
        )

        class Client(ws.Client):  # type: ignore[misc, name-defined]
            def _configure(self, conf: Any) -> None:
                super()._configure(conf)
                self._reconnect_count = -1  # never stop trying: a bot that gave up is deaf

        self.loop = loop
        self.client = Client(
            self.config.app_id,
            self.config.app_secret.get_secret_value(),
            event_handler=_Handler(self.take),
            domain=self.config.domain,
            log_level=lark.LogLevel.WARNING,
        )
        try:
            self.client.start()
        except RuntimeError:  # stop(): the loop was stopped under run_until_complete
            pass
        except Exception as e:  # noqa: BLE001 - refused credentials end the thread; say why
            self.failed = e
            logger.error("feishu: long connection ended: %s", e.__class__.__name__)

    def stop(self) -> None:
        loop, client = self.loop, self.client
        if loop is None or loop.is_closed():
            return

        async def close() -> None:
            conn = getattr(client, "_conn", None)
            if conn is not None:
                await conn.close()
            loop.stop()

        try:
            asyncio.run_coroutine_threadsafe(close(), loop)
        except RuntimeError:
            return
        if self._thread is not None:
            self._thread.join(timeout=5)
