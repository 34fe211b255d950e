"""The edge steps every platform's HTTP route takes, named once: read the body within limits,
refuse what is too big, too slow or gone, and cache profiles with a TTL.

Nothing here trusts the request: the limit is enforced while reading (a declared length over
it is refused before a byte is read), a slow body is cut off, and a client that disconnects
mid-upload is a DEBUG line, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from adapters.platform import EdgeLimits

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
