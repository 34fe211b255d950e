"""The edge steps every platform takes, named once, in order: read the body within limits,
verify, classify (handshake / nothing for us — the bot's own messages — / a delivery), persist,
answer. A platform's HTTP route is an `HttpEdge`: it supplies only its own `verify`, which
returns what it opened (decrypted, parsed) as `Verified`, `classify`, which reads only that, so
a body is opened once, and how it answers a delivery that could not be stored. `receive` runs
the steps for an HTTP route, `persist_now` for a long connection's thread. Also here: profiles
cached with a TTL.

Nothing here trusts the request: the limit is enforced while reading (a declared length over
it is refused before a byte is read), a slow body is cut off, and a client that disconnects
mid-upload is a DEBUG line, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from adapters.ingress import Verdict
from adapters.platform import EdgeLimits, Services
from bot.inbox import Arrival

logger = logging.getLogger(__name__)


class Refused(Exception):
    """Answer this status and stop: nothing was stored."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self) -> Response:
        return JSONResponse({"error": self.reason}, status_code=self.status)


async def read_body(request: Request, limits: EdgeLimits) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise Refused(400, "bad content-length")
        if int(declared) > limits.max_body_bytes:
            raise Refused(413, "body too large")
    chunks, size = [], 0
    try:
        async with asyncio.timeout(limits.body_timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limits.max_body_bytes:
                    raise Refused(413, "body too large")
                chunks.append(chunk)
    except TimeoutError:
        raise Refused(408, "body not received in time") from None
    except ClientDisconnect:
        logger.debug("client left before sending its whole body")
        raise Refused(400, "client disconnected") from None
    return b"".join(chunks)


class Step(Enum):
    DELIVER = "deliver"  # store it, then answer
    HANDSHAKE = "handshake"  # answer `reply` at once (URL verification, echostr)
    IGNORE = "ignore"  # verified but nothing for us (our own messages, other event types)


@dataclass(frozen=True, kw_only=True)
class Incoming:
    """A verified request, classified."""

    step: Step
    workspace: str = ""  # the platform's tenant
    key: str = ""  # the delivery's own id, stable across the platform's retries
    payload: dict[str, Any] = field(default_factory=dict)  # what the platform's parse reads
    reply: dict[str, Any] | str | None = None  # a handshake's answer: JSON, or plain text
    text: str = ""  # a person's words, quoted back if they could not be stored
    waiting: bool = False  # a person waits for this answer (a command), not a retrying platform
    # where it belongs, for the order the inbox keeps: bot.inbox.conversation(channel=…|user=…)
    conversation: str = ""


O = TypeVar("O")  # what a platform's `verify` opens a request into


@dataclass(frozen=True)
class Verified(Generic[O]):
    """What `verify` opened from a request it let in (decrypted, parsed): `classify` reads this
    and never the raw request, so each body is opened once, and only when it is verified."""

    content: O


class HttpEdge(ABC, Generic[O]):
    """One HTTP route of a platform, as `receive` runs it."""

    name: str
    deadline: float
    services: Services

    @abstractmethod
    def verify(self, body: bytes, headers: dict[str, str], query: dict[str, str]) -> Verified[O]:
        """What the request holds, opened; raise Refused (401/400) unless the request is the
        platform's and fresh. Some platforms sign in the headers, some (WeCom) in the query
        string."""

    @abstractmethod
    def classify(self, verified: Verified[O]) -> Incoming:
        """Raise Refused(400) for a malformed one."""

    @abstractmethod
    def unsaved(self, incoming: Incoming, verdict: Verdict) -> Response:
        """The answer when it could not be stored (busy, or the store failed)."""


async def receive(edge: HttpEdge[Any], request: Request) -> Response:
    """One HTTP delivery through every edge step; what is acknowledged is stored."""
    count = edge.services.count
    started = time.perf_counter()
    try:
        body = await read_body(request, edge.services.limits)
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = dict(request.query_params)
        incoming = edge.classify(edge.verify(body, headers, query))
    except Refused as e:
        count(edge.name, "rejected" if e.status == 401 else "malformed")
        return e.response()
    if incoming.step is Step.HANDSHAKE:
        if isinstance(incoming.reply, str):  # an echo that must come back exactly as it is
            return PlainTextResponse(incoming.reply)
        return JSONResponse(incoming.reply or {})
    if incoming.step is Step.IGNORE:
        count(edge.name, "ignored")
        return Response(status_code=200)
    ingress = edge.services.ingress
    if ingress is None:
        raise RuntimeError(f"{edge.name}: no inbox in this process")
    verdict = await ingress.persist(arrival(edge.name, incoming), ack_timeout(edge.deadline))
    count(edge.name, verdict.value)
    edge.services.timing("ack", edge.name, time.perf_counter() - started)
    if verdict is Verdict.REFUSED:  # sending it again would change nothing: a 4xx, not a 5xx
        return Refused(400, "refused by the store").response()
    return Response(status_code=200) if verdict.stored else edge.unsaved(incoming, verdict)


def persist_now(name: str, deadline: float, services: Services, incoming: Incoming) -> Verdict:
    """The persist step for a long connection's thread: acknowledge only when stored."""
    if services.ingress is None:
        raise RuntimeError(f"{name}: no inbox in this process")
    started = time.perf_counter()
    verdict = services.ingress.save(arrival(name, incoming), ack_timeout(deadline))
    services.count(name, verdict.value)
    services.timing("ack", name, time.perf_counter() - started)
    return verdict


def arrival(platform: str, incoming: Incoming) -> Arrival:
    return Arrival(
        platform=platform,
        workspace=incoming.workspace,
        key=incoming.key,
        payload=incoming.payload,
        received_at=datetime.now(UTC),
        conversation=incoming.conversation,
    )


def ack_timeout(deadline: float) -> float:
    """How long the store may take: the platform's deadline less a margin for the network."""
    return max(deadline - 1.0, deadline * 0.5)


T = TypeVar("T")


class ProfileCache(Generic[T]):
    """Profiles by key for `ttl` seconds. A failed lookup (`load` raising) is not cached, so
    the next event asks again."""

    def __init__(self, ttl: float = 3600.0) -> None:
        self.ttl = ttl
        self._items: dict[object, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: object, load: Callable[[], T]) -> T:
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        value = load()
        with self._lock:
            self._items[key] = (time.monotonic(), value)
        return value
