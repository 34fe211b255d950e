"""The edge against clients that hold connections without sending requests (slowloris).

uvicorn never closes a connection that is still sending its request head, and its
`limit_concurrency` counts every open connection: 2,100 connections that never finish their
headers, from one client, got every real request answered 503 for as long as they stayed open.
So serve runs uvicorn's own h11 protocol with three changes, and no `limit_concurrency`:

- **a header deadline**: a connection that has not sent a whole request head within
  `header_timeout` seconds — of connecting, or of the first byte of its next request on a
  kept-alive connection — is closed (h11 already refuses a head over 16 KiB with 400);
- **a cap per client address**: one address holds at most `per_client` connections. When it
  opens one more, its oldest connection that is only waiting for a request head (half-open,
  or idle between requests) is closed to make room; when all of them are in a request, the
  new connection is answered 503 and closed. A real request from an address that a slow
  client shares (a NAT, a proxy, the same host) therefore still gets in;
- **503 counts requests, not connections** (`InFlight`): past `max_requests` requests in
  progress, more are answered uvicorn's own 503. A connection still sending its head, or idle
  between requests, holds no slot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any, ClassVar

import h11
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger(__name__)

REFUSED = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 19\r\nconnection: close\r\n\r\nService Unavailable"
)
SUMMARY_SECONDS = 60.0  # under attack, one WARNING line a minute, not one a connection


class Tally:
    """What the guard closed or refused, logged as one WARNING line at most every minute."""

    def __init__(self) -> None:
        self.reasons: Counter[str] = Counter()
        self.clients: Counter[str] = Counter()
        self.logged = float("-inf")

    def __call__(self, reason: str, client: str | None) -> None:
        logger.debug("%s: %s", client, reason)
        self.reasons[reason] += 1
        self.clients[client or "?"] += 1
        now = time.monotonic()
        if now - self.logged < SUMMARY_SECONDS:
            return
        client, most = self.clients.most_common(1)[0]
        what = ", ".join(f"{n} {reason}" for reason, n in self.reasons.most_common())
        logger.warning("edge guard: %s (%d from %s)", what, most, client)
        self.reasons.clear()
        self.clients.clear()
        self.logged = now


class GuardedH11(H11Protocol):
    """uvicorn's h11 protocol with a header deadline and a per-address cap. `guarded_h11`
    makes the subclass serve uses, holding the limits and the addresses' connections."""

    header_timeout: ClassVar[float] = 10.0
    per_client: ClassVar[int] = 2000
    # each address's open connections, oldest first (a dict keeps insertion order)
    by_client: ClassVar[dict[str, dict[GuardedH11, None]]] = {}
    tally: ClassVar[Tally] = Tally()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_deadline: asyncio.TimerHandle | None = None
        self.address: str | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.client:  # a TCP peer (a unix socket has no address to count)
            address = self.client[0]
            mine = self.by_client.setdefault(address, {})
            if len(mine) >= self.per_client and not self._make_room(mine, address):
                self.tally("refused over the per-client cap", address)
                transport.write(REFUSED)
                transport.close()
                return
            mine[self] = None
            self.address = address
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self.address is not None:
            mine = self.by_client.get(self.address, {})
            mine.pop(self, None)
            if not mine:
                self.by_client.pop(self.address, None)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self.waiting():
            self._disarm()  # the head is in: the body has its own deadline (408)
        elif self.header_deadline is None:
            self._arm()  # the first byte of the next request on a kept-alive connection

    def waiting(self) -> bool:
        """Only waiting for a request head: nothing of this connection is in progress."""
        return self.conn.their_state is h11.IDLE and not self.transport.is_closing()

    def _make_room(self, mine: dict[GuardedH11, None], address: str) -> bool:
        oldest = next((p for p in mine if p.waiting()), None)
        if oldest is None:
            return False
        del mine[oldest]
        oldest.address = None
        self.tally("closed to make room under the per-client cap", address)
        oldest.transport.close()
        return True

    def _arm(self) -> None:
        if not self.transport.is_closing():
            self.header_deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _too_slow(self) -> None:
        self.header_deadline = None
        if self.waiting():
            self.tally(f"closed without a request head in {self.header_timeout:g} s", self.address)
            self.transport.close()


def guarded_h11(header_timeout: float, per_client: int) -> type[GuardedH11]:
    """The protocol class for one server: these limits, its own table of addresses."""
    return type(
        "GuardedH11",
        (GuardedH11,),
        {
            "header_timeout": header_timeout,
            "per_client": per_client,
            "by_client": {},
            "tally": Tally(),
        },
    )


class InFlight:
    """At most `max_requests` HTTP requests in the app at once; more get uvicorn's 503."""

    def __init__(self, app: ASGIApp, max_requests: int) -> None:
        self.app = app
        self.max_requests = max_requests
        self.busy = 0
        self.tally = Tally()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # the lifespan
            return await self.app(scope, receive, send)
        if self.busy >= self.max_requests:
            self.tally(
                f"answered 503 over {self.max_requests} requests in progress",
                scope["client"][0] if scope.get("client") else None,
            )
            return await service_unavailable(scope, receive, send)
        self.busy += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.busy -= 1
