"""A fake of the WeCom AI bot's long-connection server (wss://openws.work.weixin.qq.com) that
the official SDK (`aibot`, PyPI wecom-aibot-python-sdk 1.0.2) connects to.

Why: in long-connection mode messages never touch our HTTP server, so the honest test is the
SDK's own client against a server that frames things as WeCom does. The frames are JSON text,
`{"cmd", "headers": {"req_id"}, "body"}` one way and `{"headers": {"req_id"}, "errcode",
"errmsg"}` back, read off the SDK (`aibot/ws.py`):

- the client sends `aibot_subscribe {bot_id, secret}` first and `ping` every heartbeat; each is
  answered with its own req_id and errcode (no `cmd`: the SDK tells the answers apart by the
  req_id prefix, "aibot_subscribe_…" / "ping_…");
- WeCom pushes `aibot_msg_callback` / `aibot_event_callback` with a fresh req_id;
- the client answers a callback with `aibot_respond_msg`, `aibot_respond_welcome_msg` or
  `aibot_respond_update_msg` carrying that callback's req_id, or sends `aibot_send_msg` with a
  req_id of its own; WeCom acks each with the same req_id, and the SDK waits 5 s for that ack
  (`_reply_ack_timeout`), failing the reply on a non-zero errcode.

Behaviour taken from third-party measurements against the live service with this SDK
(tangnie001-stack/corporate_rag, docs/agents/wecom-sdk-facts.md, 2026-10):
- wrong credentials are answered errcode 853000 "invalid bot_id or secret" and the server does
  NOT close the connection (`close_on_bad_auth` switches that);
- one live connection per bot: when a second one subscribes, the first gets an
  `aibot_event_callback` with `event.eventtype = "disconnected_event"` at once, stops getting
  messages, keeps getting ping acks, and is closed later without a close frame (observed
  2.2 s and 313 s; `kick_close_after` here, None = never);
- the req_id of an `enter_chat` event cannot carry `aibot_respond_msg`: 846605 "invalid req_id"
  (also observed); likewise a card click's req_id takes only `aibot_respond_update_msg`
  (PLATFORMS.md §3.4).
Choices of our own: an unknown req_id is 846605 too; `aibot_send_msg` to a chat where nobody
has spoken to the bot is 93001 (PLATFORMS.md §3.6 names that code; the wording is ours); a
malformed frame is ignored.

The SDK passes its own TLS context to `websockets.connect` even for ws:// URLs, which
websockets ≥ 14 refuses ("ssl argument is incompatible with a ws:// URI"): a client pointed
here needs `aibot.ws._SSL_CONTEXT = None` (see `sdk_plain_ws`).
"""

from __future__ import annotations

import asyncio
import http
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Self

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tests.fakes.wecom_api import flatten

REPLY_CMDS = (
    "aibot_respond_msg",
    "aibot_respond_welcome_msg",
    "aibot_respond_update_msg",
    "aibot_send_msg",
)
BAD_AUTH = 853000
INVALID_REQ_ID = 846605
NOT_SPOKEN = 93001
ERRMSG = {
    BAD_AUTH: "invalid bot_id or secret",
    INVALID_REQ_ID: "invalid req_id",
    NOT_SPOKEN: "the user has not talked to the bot in this chat",
    40058: "invalid Request Parameter",
}
# which reply command each kind of callback's req_id accepts
ACCEPTS = {
    "msg": "aibot_respond_msg",
    "enter_chat": "aibot_respond_welcome_msg",
    "template_card_event": "aibot_respond_update_msg",
}


@contextmanager
def sdk_plain_ws() -> Iterator[None]:
    """Let the `aibot` SDK connect to a ws:// URL while inside: it always passes its TLS
    context to `websockets.connect`, which websockets ≥ 14 refuses for ws://."""
    import aibot.ws

    saved = aibot.ws._SSL_CONTEXT
    aibot.ws._SSL_CONTEXT = None
    try:
        yield
    finally:
        aibot.ws._SSL_CONTEXT = saved


class _Conn:
    """One client connection, as the server sees it."""

    def __init__(self, ws: ServerConnection, n: int) -> None:
        self.ws = ws
        self.n = n  # 1-based order of acceptance
        self.authenticated = False
        self.kicked = False


class FakeAibotWs:
    """The AI bot's long-connection server. Pushes go to the current connection: the one that
    subscribed last and has not been kicked or cut. Public attributes are guarded by `lock`."""

    def __init__(
        self,
        *,
        bot_id: str = "aibot_test",
        secret: str = "aibot-secret",
        kick_close_after: float | None = 0.5,
        close_on_bad_auth: bool = False,
    ) -> None:
        self.bot_id = bot_id
        self.secret = secret
        self.kick_close_after = kick_close_after
        self.close_on_bad_auth = close_on_bad_auth
        self.lock = threading.Lock()
        self.connections = 0  # connections accepted so far
        self.authenticated = 0  # successful aibot_subscribe so far
        self.auth_failures = 0
        self.pings = 0  # pings answered
        self.ignore_pings = False  # leave pings unanswered (a half-dead server)
        self.refuse = False  # answer new handshakes with HTTP 503
        self.kicks = 0  # disconnected_event frames sent
        self.replies: list[dict[str, Any]] = []  # acked: {cmd, req_id, body, at, delay, conn}
        self.rejected: list[dict[str, Any]] = []  # answered with an errcode: the same + errcode
        self.fail_next_reply: list[int | None] = []  # errcodes to answer instead; None = no ack
        self.pushed: dict[str, dict[str, Any]] = {}  # req_id → the callback frame pushed
        self.chats: set[str] = set()  # chats someone has spoken to the bot in (aibot_send_msg)
        self.port = 0
        self._pushed_at: dict[str, float] = {}
        self._kinds: dict[str, str] = {}  # callback req_id → "msg" or its event type
        self._conns: list[_Conn] = []  # open ones
        self._current: _Conn | None = None
        self._server: Server | None = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake AI bot WS server did not start")
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
        # no WebSocket-level keepalive: WeCom's liveness is the app-level `ping` frame
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
        """What `WSClientOptions(ws_url=…)` takes."""
        return f"ws://127.0.0.1:{self.port}"

    # -- connections ---------------------------------------------------------------------------

    def _gate(self, ws: ServerConnection, request: Request) -> Response | None:
        if self.refuse:
            return ws.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "refused\n")
        return None

    async def _session(self, ws: ServerConnection) -> None:
        with self.lock:
            self.connections += 1
            conn = _Conn(ws, self.connections)
            self._conns.append(conn)
        try:
            async for message in ws:
                try:
                    frame = json.loads(message)
                except ValueError:
                    continue
                if isinstance(frame, dict):
                    await self._on_frame(conn, frame)
        except ConnectionClosed:
            pass
        finally:
            with self.lock:
                self._conns.remove(conn)
                if self._current is conn:
                    self._current = None

    async def _answer(self, conn: _Conn, req_id: str, errcode: int = 0) -> None:
        frame = {
            "headers": {"req_id": req_id},
            "errcode": errcode,
            "errmsg": ERRMSG.get(errcode, "error") if errcode else "ok",
        }
        try:
            await conn.ws.send(json.dumps(frame, ensure_ascii=False))
        except ConnectionClosed:
            pass

    async def _on_frame(self, conn: _Conn, frame: dict[str, Any]) -> None:
        cmd = frame.get("cmd")
        req_id = str((frame.get("headers") or {}).get("req_id") or "")
        body = frame.get("body") if isinstance(frame.get("body"), dict) else {}
        if cmd == "aibot_subscribe":
            await self._subscribe(conn, req_id, body)
        elif cmd == "ping":
            with self.lock:
                ignore = self.ignore_pings
                self.pings += 0 if ignore else 1
            if not ignore:
                await self._answer(conn, req_id)
        elif cmd in REPLY_CMDS:
            await self._reply(conn, str(cmd), req_id, body)

    async def _subscribe(self, conn: _Conn, req_id: str, body: dict[str, Any]) -> None:
        if body.get("bot_id") != self.bot_id or body.get("secret") != self.secret:
            with self.lock:
                self.auth_failures += 1
            await self._answer(conn, req_id, BAD_AUTH)
            if self.close_on_bad_auth:
                await conn.ws.close(1008, "invalid bot_id or secret")
            return
        with self.lock:
            self.authenticated += 1
            previous, self._current = self._current, conn
            conn.authenticated = True
        await self._answer(conn, req_id)
        if previous is not None and previous is not conn:
            await self._kick(previous, self.kick_close_after)

    async def _kick(self, conn: _Conn, close_after: float | None) -> str:
        """Tell `conn` another connection took the bot over; cut it `close_after` s later."""
        with self.lock:
            conn.kicked = True
            self.kicks += 1
            if self._current is conn:
                self._current = None
        body = {
            "msgid": secrets.token_hex(16),
            "create_time": int(time.time()),
            "aibotid": self.bot_id,
            "msgtype": "event",
            "event": {"eventtype": "disconnected_event"},
        }
        req_id = await self._push_to(conn, "aibot_event_callback", body)
        if close_after is not None:
            # WeCom closes without a close frame ("no close frame received or sent")
            self._loop.call_later(close_after, conn.ws.transport.abort)
        return req_id

    async def _reply(self, conn: _Conn, cmd: str, req_id: str, body: dict[str, Any]) -> None:
        now = time.monotonic()
        with self.lock:
            entry = {
                "cmd": cmd,
                "req_id": req_id,
                "body": body,
                "at": now,
                "conn": conn.n,
                "delay": now - self._pushed_at[req_id] if req_id in self._pushed_at else None,
            }
            errcode = self._check_reply(cmd, req_id, body)
            if errcode == 0 and self.fail_next_reply:
                errcode = self.fail_next_reply.pop(0)
                if errcode is None:  # no ack at all: the SDK's 5 s timeout runs out
                    self.rejected.append(entry | {"errcode": None})
                    return
            if errcode:
                self.rejected.append(entry | {"errcode": errcode})
            else:
                self.replies.append(entry)
        await self._answer(conn, req_id, errcode)

    def _check_reply(self, cmd: str, req_id: str, body: dict[str, Any]) -> int:
        if cmd == "aibot_send_msg":
            chatid = body.get("chatid")
            if not isinstance(chatid, str) or not chatid:
                return 40058
            return 0 if chatid in self.chats else NOT_SPOKEN
        kind = self._kinds.get(req_id)
        if kind is None or ACCEPTS.get(kind) != cmd:
            return INVALID_REQ_ID
        return 0

    def connected(self) -> bool:
        """A connection is open, subscribed, and the one that gets messages."""
        with self.lock:
            return self._current is not None

    def wait_authenticated(self, n: int = 1, timeout: float = 20) -> bool:
        """At least `n` successful subscribes so far, and a current connection now."""
        return self.wait(lambda: self.authenticated >= n and self.connected(), timeout)

    def wait(self, pred: Callable[[], bool], timeout: float = 10) -> bool:
        """Poll `pred` until it holds or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            if pred():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def open_connections(self) -> int:
        with self.lock:
            return len(self._conns)

    def kick(self, close_after: float | None = None) -> str:
        """Another connection logged in for this bot: the current one gets `disconnected_event`,
        no more messages, and is cut `close_after` seconds later (default `kick_close_after`).
        Returns the event's req_id."""
        with self.lock:
            conn = self._current
        if conn is None:
            raise RuntimeError("no current long connection to kick")
        after = self.kick_close_after if close_after is None else close_after
        return self._call(self._kick(conn, after))

    def drop(self) -> None:
        """Cut the current connection without a close handshake, as a network failure would."""
        with self.lock:
            conn = self._current
        if conn is not None:
            self._loop.call_soon_threadsafe(conn.ws.transport.abort)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the current connection with a proper close handshake."""
        with self.lock:
            conn = self._current
        if conn is not None:
            self._call(conn.ws.close(code, reason))

    # -- pushes --------------------------------------------------------------------------------

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(5)

    async def _push_to(self, conn: _Conn, cmd: str, body: dict[str, Any]) -> str:
        req_id = secrets.token_hex(16)
        frame = {"cmd": cmd, "headers": {"req_id": req_id}, "body": body}
        event = body.get("event") if isinstance(body.get("event"), dict) else None
        with self.lock:  # before sending: the answer may come back before send() returns
            self.pushed[req_id] = frame
            self._pushed_at[req_id] = time.monotonic()
            self._kinds[req_id] = str(event.get("eventtype") or "event") if event else "msg"
        try:
            await conn.ws.send(json.dumps(frame, ensure_ascii=False))
        except ConnectionClosed:
            pass  # cut meanwhile: the frame is lost, as it would be
        return req_id

    def push(self, cmd: str, body: dict[str, Any]) -> str:
        """Send one callback frame to the current connection; its req_id."""
        with self.lock:
            conn = self._current
            if conn is None:
                raise RuntimeError("no current long connection to push to")
            if body.get("chattype") == "group" and body.get("chatid"):
                self.chats.add(body["chatid"])
            elif (body.get("from") or {}).get("userid"):
                self.chats.add(body["from"]["userid"])  # a 1:1 chat's chatid is the userid
        return self._call(self._push_to(conn, cmd, body))

    def _base(self, msgid: str, user: str, chatid: str, chattype: str) -> dict[str, Any]:
        body: dict[str, Any] = {"msgid": msgid, "aibotid": self.bot_id}
        if chattype == "group":  # "chatid: 仅群聊时返回"
            body["chatid"] = chatid
        return body | {"chattype": chattype, "from": {"userid": user}}

    def push_text(
        self,
        content: str,
        *,
        msgid: str,
        user: str = "lisi",
        chatid: str = "wrgroup1",
        chattype: str = "group",
        response_url: str = "",
        mention: str | None = "dealbot",
    ) -> str:
        """A text message to the bot (document/path/100719), shaped like
        wecom_signing.bot_text: in a group it starts "@<mention> " unless `content` already
        starts with "@". Returns the frame's req_id (what a reply must carry)."""
        at = chattype == "group" and mention and not content.startswith("@")
        body = self._base(msgid, user, chatid, chattype) | {
            "response_url": response_url,
            "msgtype": "text",
            "text": {"content": f"@{mention} {content}" if at else content},
        }
        return self.push("aibot_msg_callback", body)

    def push_event(
        self,
        event: dict[str, Any],
        *,
        msgid: str,
        user: str = "lisi",
        chatid: str = "wrgroup1",
        chattype: str = "group",
        response_url: str = "",
    ) -> str:
        """An event callback (document/path/101027) with `event` as its `event` object, e.g.
        {"eventtype": "enter_chat"}. Returns the frame's req_id."""
        body = {"msgid": msgid, "create_time": int(time.time())}
        body |= self._base(msgid, user, chatid, chattype) | {
            "response_url": response_url,
            "msgtype": "event",
            "event": event,
        }
        return self.push("aibot_event_callback", body)

    def push_click(
        self,
        event_key: str,
        *,
        task_id: str,
        msgid: str,
        user: str = "lisi",
        chatid: str = "wrgroup1",
        chattype: str = "group",
        card_type: str = "button_interaction",
    ) -> str:
        """A click on the bot's card: template_card_event, its fields nested under a key of the
        same name (as observed live; the SDK's type hints put them flat)."""
        event = {
            "eventtype": "template_card_event",
            "template_card_event": {
                "card_type": card_type,
                "event_key": event_key,
                "task_id": task_id,
            },
        }
        return self.push_event(event, msgid=msgid, user=user, chatid=chatid, chattype=chattype)

    # -- what tests read -----------------------------------------------------------------------

    def texts(self) -> list[str]:
        """What the chat shows from the acked replies, in order: a stream as its latest
        snapshot (WeCom replaces the bubble with each frame), cards via `flatten`."""
        with self.lock:
            replies = list(self.replies)
        out: list[str] = []
        streams: dict[str, int] = {}  # stream id → index in out
        for reply in replies:
            body = reply["body"]
            msgtype = body.get("msgtype")
            if body.get("response_type") == "update_template_card":
                out.append(flatten("template_card", body.get("template_card")))
            elif msgtype in ("stream", "stream_with_template_card"):
                stream = body.get("stream") or {}
                text = str(stream.get("content", ""))
                sid = str(stream.get("id", ""))
                if sid in streams:
                    out[streams[sid]] = text
                else:
                    streams[sid] = len(out)
                    out.append(text)
                if body.get("template_card"):
                    out.append(flatten("template_card", body["template_card"]))
            elif isinstance(msgtype, str):
                out.append(flatten(msgtype, body.get(msgtype)))
        return out
