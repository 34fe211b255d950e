"""Requests from serve's worker process to the platforms in its edge process.

A long connection lives in the edge (it must answer as soon as an event is stored), but some
platforms take an answer only over that same connection (WeCom's AI bot replies to the frame
that asked). The outbox runs in the worker, so its sender asks the edge: `Services.relay(name,
request)` in the worker sends the request down a pipe; the edge hands it to that platform's
`Platform.relayed` and sends back what it returns. One request at a time, with a timeout: an
edge that does not answer in time is treated like a platform that could not be reached.
"""

from __future__ import annotations

import logging
import threading
from multiprocessing.connection import Connection, wait
from typing import Any

from adapters.platform import Platform

logger = logging.getLogger(__name__)

TIMEOUT = 15.0  # seconds: above a platform's own reply timeout (WeCom's SDK waits 5 s)


class RelayClient:
    """The worker's end: Services.relay."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()
        self._n = 0

    def __call__(self, platform: str, request: dict[str, Any]) -> Any:
        with self.lock:
            self._n += 1
            ticket = self._n
            try:
                self.conn.send((ticket, platform, request))
                while self.conn.poll(TIMEOUT):
                    answer_ticket, answer = self.conn.recv()
                    if answer_ticket == ticket:  # (an answer that came too late is dropped)
                        return answer
                    continue
            except (OSError, EOFError) as e:
                logger.warning("relay to the edge failed: %s", e.__class__.__name__)
                return None
            logger.warning("relay to the edge: no answer in %ss", TIMEOUT)
            return None


class RelayServer:
    """The edge's end: a thread that hands each request, from any worker, to its platform (one
    at a time, as a single worker would ask)."""

    def __init__(
        self, conns: Connection | list[Connection], platforms: dict[str, Platform]
    ) -> None:
        self.conns = list(conns) if isinstance(conns, list) else [conns]
        self.platforms = platforms
        self.thread = threading.Thread(target=self._serve, name="relay", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _serve(self) -> None:
        while self.conns:
            for conn in wait(self.conns):
                assert isinstance(conn, Connection)
                try:
                    ticket, name, request = conn.recv()
                except (OSError, EOFError):
                    self.conns.remove(conn)  # that worker is gone
                    continue
                platform = self.platforms.get(name)
                try:
                    answer = platform.relayed(request) if platform is not None else None
                except Exception as e:  # noqa: BLE001 - a failed request is a None answer
                    logger.warning("relayed request to %s failed: %s", name, e.__class__.__name__)
                    answer = None
                try:
                    conn.send((ticket, answer))
                except (OSError, EOFError):
                    self.conns.remove(conn)
