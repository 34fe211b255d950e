"""A fake of Feishu's long-connection (WebSocket) server that the real `lark_oapi.ws.Client` uses.

Why: in long-connection mode the events never touch our HTTP server, so the only honest test
is the SDK's own client against a server that frames events the way Feishu does. The framing is
read off the SDK (`lark_oapi/ws/client.py`, 1.7.5):

- every message is a protobuf `pbbp2.Frame`; `method` 0 = CONTROL (ping/pong), 1 = DATA;
- an event is a DATA frame with headers `type="event"`, `message_id`, `trace_id`, `sum`, `seq`
  (0-based; the SDK reassembles `sum > 1` parts by message_id) and the event JSON as payload;
- the client acks by sending the same frame back with a `biz_rt` header added and payload
  `{"code": 200, "data": "<base64 of the handler's JSON result>"}` (500 if the handler raised);
- the client pings with a CONTROL frame `type="ping"` and expects a `type="pong"` back.

The bootstrap (`POST /callback/ws/endpoint`) is served by `FakeFeishu`; set its `ws_url` to
`FakeFeishuWs.url`.
"""

from __future__ import annotations

import asyncio
import base64
import http
import json
import secrets
import threading
import time
from typing import Any, Self

from lark_oapi.ws.pb.pbbp2_pb2 import Frame
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

CONTROL, DATA = 0, 1  # lark_oapi.ws.enum.FrameType


def _frame(method: int, service: int, headers: dict[str, str], payload: bytes = b"") -> Frame:
    frame = Frame()
    frame.SeqID = 0
    frame.LogID = 0
    frame.service = service
    frame.method = method
    for key, value in headers.items():
        header = frame.headers.add()
        header.key = key
        header.value = value
    if payload:
        frame.payload = payload
    return frame


def _headers(frame: Frame) -> dict[str, str]:
    return {h.key: h.value for h in frame.headers}


class FakeFeishuWs:
    """The long-connection server: one current connection, events pushed by `send`."""

    def __init__(self, *, service_id: int = 7, device_id: str = "dev1") -> None:
        self.service_id = service_id
        self.device_id = device_id
        self.lock = threading.Lock()
        self.connections = 0  # connections accepted so far
        self.pings = 0  # ping frames answered
        self.acks: dict[str, dict[str, Any]] = {}  # frame message id → ack
        self.sent_at: dict[str, float] = {}  # frame message id → time.monotonic() of send
        self.refuse = False  # answer new handshakes with HTTP 503 (client keeps retrying)
        self.port = 0
        self._conn: ServerConnection | None = None
        self._server: Server | None = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake Feishu WS server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _start(self) -> None:
        # no WebSocket-level keepalive: Feishu's liveness is the app-level ping frame
        self._server = await serve(
            self._session, "127.0.0.1", 0, ping_interval=None, process_request=self._gate
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        if self._server is not None:
            # abort rather than close: a client whose loop is gone never answers a close frame
            for conn in list(self._server.connections):
                conn.transport.abort()
            self._server.close()
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        """What `/callback/ws/endpoint` should hand out (the SDK reads both query values)."""
        query = f"device_id={self.device_id}&service_id={self.service_id}"
        return f"ws://127.0.0.1:{self.port}/ws?{query}"

    # -- connections ---------------------------------------------------------------------------

    def _gate(self, conn: ServerConnection, request: Request) -> Response | None:
        if self.refuse:
            return conn.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "refused\n")
        return None

    async def _session(self, conn: ServerConnection) -> None:
        with self.lock:
            self.connections += 1
            self._conn = conn
        try:
            async for message in conn:
                if isinstance(message, bytes):
                    await self._on_frame(conn, message)
        except ConnectionClosed:
            pass
        finally:
            with self.lock:
                if self._conn is conn:
                    self._conn = None

    async def _on_frame(self, conn: ServerConnection, message: bytes) -> None:
        frame = Frame()
        frame.ParseFromString(message)
        headers = _headers(frame)
        if frame.method == CONTROL and headers.get("type") == "ping":
            with self.lock:
                self.pings += 1
            pong = _frame(CONTROL, frame.service, {"type": "pong"})
            await conn.send(pong.SerializeToString())
        elif frame.method == DATA and "message_id" in headers:
            self._on_ack(headers, frame.payload)

    def _on_ack(self, headers: dict[str, str], payload: bytes) -> None:
        """Record the client's answer to an event: its status code and the handler's result."""
        try:
            response = json.loads(payload or b"{}")
        except ValueError:
            response = {}
        data: Any = None
        if response.get("data"):
            raw = base64.b64decode(response["data"])
            try:
                data = json.loads(raw)
            except ValueError:
                data = raw.decode(errors="replace")
        ack = {
            "at": time.monotonic(),
            "code": response.get("code"),
            "data": data,
            "biz_rt": headers.get("biz_rt"),
        }
        with self.lock:
            self.acks[headers["message_id"]] = ack

    def connected(self) -> bool:
        with self.lock:
            return self._conn is not None

    def wait_connected(self, n: int = 1, timeout: float = 20) -> bool:
        """At least `n` connections accepted so far and one of them open now."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.connections >= n and self._conn is not None:
                    return True
            time.sleep(0.02)
        return False

    def drop(self) -> None:
        """Cut the current connection without a close handshake, as a network failure would."""
        with self.lock:
            conn = self._conn
        if conn is not None:
            self._loop.call_soon_threadsafe(conn.transport.abort)

    # -- events --------------------------------------------------------------------------------

    def send(self, payload: dict[str, Any], *, frame_id: str | None = None, parts: int = 1) -> str:
        """Push one event to the open connection, split into `parts` frames; its frame id."""
        with self.lock:
            conn = self._conn
        if conn is None:
            raise RuntimeError("no open long connection to send on")
        frame_id = frame_id or secrets.token_hex(16)
        data = json.dumps(payload, ensure_ascii=False).encode()
        size = -(-len(data) // parts)  # ceiling division: every part is non-empty
        chunks = [data[i * size : (i + 1) * size] for i in range(parts)]
        if any(not chunk for chunk in chunks):
            raise ValueError(f"payload of {len(data)} bytes cannot be split into {parts} parts")
        trace_id = secrets.token_hex(8)
        frames = [
            _frame(
                DATA,
                self.service_id,
                {
                    "type": "event",
                    "message_id": frame_id,
                    "trace_id": trace_id,
                    "sum": str(parts),
                    "seq": str(seq),
                },
                chunk,
            ).SerializeToString()
            for seq, chunk in enumerate(chunks)
        ]
        with self.lock:
            self.sent_at[frame_id] = time.monotonic()

        async def push() -> None:
            for frame in frames:
                await conn.send(frame)

        asyncio.run_coroutine_threadsafe(push(), self._loop).result(5)
        return frame_id

    def wait_ack(self, frame_id: str, timeout: float = 10) -> dict[str, Any] | None:
        """The client's ack for `frame_id`, waiting up to `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if frame_id in self.acks:
                    return self.acks[frame_id]
            time.sleep(0.02)
        return None
