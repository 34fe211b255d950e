"""The AI bot's long connection (智能机器人 长连接), with the official SDK (`aibot`, from PyPI's
wecom-aibot-python-sdk), run so that it cannot block `serve`.

The SDK is asyncio: it gets a loop of its own in a thread of its own. Each message or click it
hands over is stored in the inbox before the handler returns (WeCom's long connection has no
ack to hold back, so storing at once is as early as it gets). Answers leave later, from the
outbox, over this same connection: a group's answer must be sent as a reply to the frame that
brought the question (`aibot_respond_msg` with its req_id); the sender reaches this loop
through `respond`, which waits for WeCom's ack.

WeCom keeps one live connection per bot and a new one kicks the old: only the `serve` that
holds the lease on it (storage/leases.py) connects; the others stand by and take over when the
holder stops renewing.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from adapters.wecom.config import WecomSection

logger = logging.getLogger(__name__)

FIRST_CONNECT = 10.0  # seconds start() waits to report credentials WeCom refused
REPLY_TIMEOUT = 8.0  # the SDK waits 5 s for WeCom's ack of a reply
LEASE_TTL = 30.0  # seconds the holder's claim lasts unless renewed
CHECK_EVERY = 5.0  # seconds between renewals (and checks of the connection)
REOPEN_AFTER = 15.0  # a client not connected this long after it was made is replaced
KICKED_QUIET = 60.0  # seconds to leave the bot alone after another login took it


class _Log:
    """The SDK's logger interface, onto ours: its debug lines carry whole message bodies."""

    def debug(self, message: str, *args: Any) -> None:
        pass

    def info(self, message: str, *args: Any) -> None:
        logger.debug("wecom aibot: %s", message[:200])

    def warn(self, message: str, *args: Any) -> None:
        logger.info("wecom aibot: %s", message[:200])

    def error(self, message: str, *args: Any) -> None:
        logger.warning("wecom aibot: %s", message[:200])


def _as_stream(body: dict[str, Any]) -> dict[str, Any]:
    """A reply over the connection takes a finished stream, not markdown (doc 101031)."""
    if body.get("msgtype") != "markdown":
        return body
    content = body["markdown"]["content"]
    return {
        "msgtype": "stream",
        "stream": {"id": uuid.uuid4().hex, "finish": True, "content": content},
    }


class BotConnection:
    """Holds the connection while this process holds the lease on it; otherwise stands by, and
    takes over when the holder stops renewing (it stopped, or died)."""

    def __init__(
        self,
        config: WecomSection,
        take: Callable[[dict[str, Any], str], None],
        *,
        hold: Callable[[str, float], bool] | None = None,
        let_go: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self.take = take  # (the frame's body, its req_id): store it
        self.hold = hold or (lambda name, ttl: True)  # one process: nobody to share with
        self.let_go = let_go or (lambda name: None)
        self.lease = f"wecom-aibot:{config.bot_id}"
        self.loop: asyncio.AbstractEventLoop | None = None
        self.client: Any = None
        self.authenticated = threading.Event()
        self.standing_by = threading.Event()
        self.refused: str = ""
        self._opened = 0.0  # when the current client was made
        self._quiet_until = 0.0  # after a kick: leave the bot alone for a while
        self._stopping = False
        self._lease_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="wecom-aibot", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + FIRST_CONNECT
        while (
            time.monotonic() < deadline
            and not self.authenticated.is_set()
            and not self.refused
            and not self.standing_by.is_set()
        ):
            time.sleep(0.05)
        if self.refused:
            raise RuntimeError(f"wecom: the AI bot's long connection was refused: {self.refused}")
        if self.authenticated.is_set():
            logger.info("wecom: AI bot long connection open")
        elif self.standing_by.is_set():
            logger.info("wecom: another instance holds the AI bot's connection; standing by")
        else:
            logger.warning("wecom: AI bot long connection not open yet; it keeps trying")

    def _run(self) -> None:
        import aibot.ws

        if self.config.bot_ws_url.startswith("ws://"):
            aibot.ws._SSL_CONTEXT = None  # type: ignore[attr-defined]  # a plain test server
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self.loop = loop
        try:
            loop.run_until_complete(self._supervise())
        except RuntimeError:  # stop(): the loop was stopped under run_until_complete
            pass

    async def _supervise(self) -> None:
        """Every few seconds: renew the lease, and hold the connection only while it is ours.
        The SDK does not reconnect after a clean close or unanswered pings, and its reconnect
        recurses until it overflows the stack after hours down: a dead client is replaced by
        a new one here instead."""
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                mine = await loop.run_in_executor(None, self._renew)
            except Exception as e:  # noqa: BLE001 - the store is down: keep what we have
                logger.warning("wecom: AI bot lease not renewed: %s", e.__class__.__name__)
                mine = self.client is not None
            if not mine:
                self.standing_by.set()
                self._close()
            elif time.monotonic() >= self._quiet_until and self.refused == "":
                self.standing_by.clear()
                stale = time.monotonic() - self._opened > REOPEN_AFTER
                if self.client is None or (not self.client.is_connected and stale):
                    self._open()
            await asyncio.sleep(CHECK_EVERY)

    def _renew(self) -> bool:
        # under the lock, and never once stopping: a renewal still in flight when stop() lets
        # go would take the lease back for a process that no longer holds the connection
        with self._lease_lock:
            return not self._stopping and self.hold(self.lease, LEASE_TTL)

    def _open(self) -> None:
        import aibot

        self._close()
        assert self.config.bot_id is not None and self.config.bot_secret is not None
        client = aibot.WSClient(
            aibot.WSClientOptions(
                bot_id=self.config.bot_id,
                secret=self.config.bot_secret.get_secret_value(),
                ws_url=self.config.bot_ws_url,
                max_reconnect_attempts=5,
                logger=_Log(),
            )
        )
        client.on("authenticated", self.authenticated.set)
        client.on("disconnected", lambda reason: self.authenticated.clear())
        client.on("error", self._on_error)
        client.on("message", self._on_frame)
        client.on("event", self._on_frame)
        client.on("event.disconnected_event", self._on_kicked)
        self.client = client
        self._opened = time.monotonic()
        asyncio.ensure_future(client.connect())  # it retries inside until the first success

    def _close(self) -> None:
        client, self.client = self.client, None
        self.authenticated.clear()
        if client is not None:
            client.disconnect()

    def _on_kicked(self, frame: dict[str, Any]) -> None:
        # another connection for this bot logged in (WeCom keeps one): reconnecting at once
        # would kick it back, and so on; leave it for a while instead
        logger.warning("wecom: the AI bot's connection was taken by another login; waiting")
        self._quiet_until = time.monotonic() + KICKED_QUIET
        self._close()

    def _on_error(self, error: Exception) -> None:
        text = str(error)
        if "Authentication failed" in text:
            self.refused = text[:200]

    def _on_frame(self, frame: dict[str, Any]) -> None:
        body = frame.get("body")
        event = body.get("event") if isinstance(body, dict) else None
        if isinstance(event, dict) and event.get("eventtype") == "disconnected_event":
            return  # a kick (see _on_kicked), nothing anyone said
        req_id = (frame.get("headers") or {}).get("req_id", "")
        if isinstance(body, dict) and isinstance(req_id, str):
            self.take(body, req_id)

    def _run_here(self, make: Callable[[], Any]) -> Any:
        loop = self.loop
        if loop is None or not loop.is_running() or not self.authenticated.is_set():
            return None
        future = asyncio.run_coroutine_threadsafe(make(), loop)
        return future.result(timeout=REPLY_TIMEOUT)

    def respond(self, req_id: str, bodies: list[dict[str, Any]], *, update: bool) -> bool:
        """Reply to the frame `req_id` (an update of the clicked card when `update`); False when
        it could not be (not connected here, or WeCom refused it: the caller tells the person
        another way)."""
        cmd = "aibot_respond_update_msg" if update else "aibot_respond_msg"
        try:
            for body in map(_as_stream, bodies):
                if (
                    self._run_here(
                        lambda b=body: self.client.reply(  # type: ignore[misc]
                            {"headers": {"req_id": req_id}}, b, cmd
                        )
                    )
                    is None
                ):
                    return False
        except (RuntimeError, TimeoutError, FutureTimeout) as e:
            logger.info("wecom: AI bot reply not taken: %s", str(e)[:120])
            return False
        return True

    def push(self, chatid: str, bodies: list[dict[str, Any]]) -> bool:
        """A message to a group on the bot's own initiative (only where people have spoken to
        it; WeCom limits these)."""
        try:
            for body in bodies:
                if (
                    self._run_here(
                        lambda b=body: self.client.send_message(  # type: ignore[misc]
                            chatid, b
                        )
                    )
                    is None
                ):
                    return False
        except (RuntimeError, TimeoutError, FutureTimeout) as e:
            logger.info("wecom: AI bot push not taken: %s", str(e)[:120])
            return False
        return True

    def stop(self) -> None:
        loop = self.loop
        self._stopping = True
        if loop is None or loop.is_closed():
            return

        def close() -> None:
            self._close()
            loop.call_later(0.2, loop.stop)

        loop.call_soon_threadsafe(close)
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            with self._lease_lock:
                self.let_go(self.lease)  # a standby need not wait for it to expire
        except Exception as e:  # noqa: BLE001 - it expires by itself
            logger.info("wecom: AI bot lease not released: %s", e.__class__.__name__)
