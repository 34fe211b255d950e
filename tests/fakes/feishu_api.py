"""A local HTTP server on 127.0.0.1 that answers like the Feishu (Lark) Open API and records calls.

Why a server and not mocks: the adapter talks through the real lark-oapi client, so the fake has
to speak the wire protocol the SDK expects — JSON bodies with `code`/`msg`, a tenant token from
`/open-apis/auth/v3/tenant_access_token/internal` sent as `Authorization: Bearer t-…`, and the
long-connection bootstrap `POST /callback/ws/endpoint`. Point the SDK at it with
`lark.Client.builder().app_id(..).app_secret(..).domain(fake.url).build()` (lark-oapi 1.7.5
accepts plain http only for loopback hosts).

Error codes and HTTP statuses, and where they come from:
- 230001 / 230002 / 230013 / 230020 / 230025: HTTP 400, from the error tables of the official
  send/reply/patch message pages (open.larkoffice.com …/im-v1/message/create, reply, patch).
  230020 is a 400 there, not a 200. 230025 covers text over 150 KB and cards/posts over 30 KB.
- 99991400 with HTTP 429 and `x-ogw-ratelimit-reset`: the frequency-control guide.
- 99991663 in an HTTP 200 body for an expired tenant token (zeroclaw-labs/zeroclaw#1049,
  /work/shared/RELIABILITY.md). 99991661 "Missing access token" when no token is sent.
- 99991672 "Access denied. One of the following scopes is required: …" with HTTP 400 for a
  missing scope (seen in third-party clients' tests; the shape includes
  `error.permission_violations`).
Choices of our own (not confirmed against the live API), documented where they are made:
a never-issued token gets HTTP 400 + 99991663; PATCH of an unknown message, a non-card or a
card without `config.update_multi: true` gets HTTP 400 + 230001 (the real text for a non-card is
"…, ext=This message is NOT a card", go-lark/lark#48); ephemeral in a p2p chat gets 400 + 230001.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, quote, urlsplit

from tests.fakes import multipart

Answer = tuple[int, dict[str, Any], dict[str, str]]  # status (0 = hang up), body, headers

CARD_LIMIT = 30 * 1024  # cards and posts; create/reply/patch pages, code 230025
TEXT_LIMIT = 150 * 1024  # text messages
UUID_WINDOW = 3600.0  # "at most one success per uuid per hour"
RECEIVE_ID_TYPES = ("chat_id", "open_id", "user_id", "union_id", "email")

MISSING_TOKEN = "Missing access token for authorization. Please make a request with token attached."
INVALID_TOKEN = "Invalid access token for authorization. Please make a request with token attached."
BAD_PARAM = "Your request contains an invalid request parameter"


def forget_sdk_tokens(app_id: str) -> None:
    """Drop lark-oapi's process-wide cached tokens for `app_id`.

    Why: `TokenManager.cache` is one class-level cache keyed only by app_id and kept for ~2 h,
    so a token issued by an earlier FakeFeishu in the same test run would be presented to a new
    one, which never issued it. Only touches the SDK if it is already imported.
    """
    manager = sys.modules.get("lark_oapi.core.token.manager")
    if manager is None:
        return
    store = getattr(manager.TokenManager.cache, "cache", None)
    if isinstance(store, dict):
        for key in (f"self_tenant_token:{app_id}", f"self_app_token:{app_id}"):
            store.pop(key, None)


def _fail(status: int, code: int, msg: str, **extra: Any) -> Answer:
    return status, {"code": code, "msg": msg, **extra}, {}


def _ok(data: dict[str, Any] | None = None, msg: str = "success") -> Answer:
    return 200, {"code": 0, "msg": msg, "data": data if data is not None else {}}, {}


class FakeFeishu:
    """The Feishu Open API, in-process. Every public attribute is guarded by `self.lock`."""

    def __init__(
        self,
        *,
        app_id: str = "cli_test",
        app_secret: str = "test-app-secret",
        hang_seconds: float = 2.0,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.hang_seconds = hang_seconds
        self.lock = threading.Lock()
        # (method, path without query, JSON body merged with the query parameters)
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.sent: list[dict[str, Any]] = []  # accepted im/v1/messages creates
        self.replies: list[dict[str, Any]] = []  # accepted …/reply calls
        self.patches: list[dict[str, Any]] = []  # accepted card PATCHes
        self.ephemeral: list[dict[str, Any]] = []  # accepted ephemeral/v1/send calls
        self.people: dict[str, dict[str, Any]] = {}  # open_id → contact user
        self.chats: dict[str, str] = {}  # message_id → chat_id (ours, plus any tests add)
        self.contact_denied = False
        self.contact_delay = 0.0
        self.bot: dict[str, Any] = {"open_id": "ou_bot", "app_name": "dealbot"}
        self.fail_next: list[str] = []  # "429" "500" "expired" "230020" "hang", in order
        self.token_fetches = 0
        self.deduped = 0  # creates/replies answered from the uuid window, not re-sent
        self.ws_url = ""  # what /callback/ws/endpoint hands out
        self.endpoint_calls = 0
        self.endpoint_down = 0  # answer the next N endpoint calls with HTTP 503
        self.tokens: set[str] = set()  # issued tenant tokens
        self.expired: set[str] = set()  # issued, then expired by a "expired" failure
        self._uuids: dict[str, tuple[float, dict[str, Any]]] = {}  # uuid → (when, data)
        self._msgs: dict[str, dict[str, Any]] = {}  # our message_id → {"msg_type", "content"}
        # files people sent the bot: (message_id, file_key) → (file name, bytes)
        self.resources: dict[tuple[str, str], tuple[str, bytes]] = {}
        # files the bot uploaded (im/v1/files): file_key → file_type, file_name, data
        self.uploaded: dict[str, dict[str, Any]] = {}
        self.fail_uploads: list[str] = []  # "429" "500" for the next uploads, in order
        self._n = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def do_PATCH(self) -> None:
                self._serve()

            def do_PUT(self) -> None:
                self._serve()

            def do_DELETE(self) -> None:
                self._serve()

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size) if size else b""
                kind = self.headers.get("Content-Type") or ""
                try:
                    body = (
                        _form(kind, raw)
                        if kind.startswith("multipart/")
                        else json.loads(raw or b"{}")
                    )
                except ValueError:
                    body = None
                query = dict(parse_qsl(parts.query))
                auth = self.headers.get("Authorization") or ""
                if self.command == "GET" and fake.is_resource(parts.path):
                    self._bytes(*fake.resource(parts.path, query, auth))
                    return
                status, payload, headers = fake.answer(self.command, parts.path, query, body, auth)
                if status == 0:  # a timeout: hold the connection past the client's patience
                    time.sleep(fake.hang_seconds)
                    self.close_connection = True
                    return
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Tt-Logid", secrets.token_hex(16))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _bytes(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client stopped reading
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        forget_sdk_tokens(self.app_id)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- routing -------------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, str], body: Any, auth: str) -> Answer:
        """One request → (status, JSON body, extra headers); status 0 means hang up unanswered."""
        record = dict(query) | (body if isinstance(body, dict) else {})
        with self.lock:
            self.calls.append((method, path, record))
        if body is None:
            return _fail(400, 9499, "Bad Request: body is not JSON")
        if method == "POST" and path == "/open-apis/auth/v3/tenant_access_token/internal":
            return self._token(body)
        if method == "POST" and path == "/callback/ws/endpoint":
            return self._endpoint(body)
        if not path.startswith("/open-apis/"):
            return _fail(404, 404, "not found")
        with self.lock:
            denied = self._check_token(auth)
        if denied:
            return denied
        parts = path.removeprefix("/open-apis/").split("/")
        if method == "GET" and parts[:3] == ["contact", "v3", "users"] and len(parts) == 4:
            return self._contact(parts[3])
        with self.lock:
            if method == "GET" and path == "/open-apis/bot/v3/info":
                return 200, {"code": 0, "msg": "ok", "bot": {"activate_status": 2, **self.bot}}, {}
            if method == "POST" and path == "/open-apis/im/v1/files":
                return self._upload(body)
            messages = parts[:3] == ["im", "v1", "messages"]
            if method == "POST" and messages and len(parts) == 3:
                return self._failure(auth) or self._create(query, body)
            if method == "POST" and messages and len(parts) == 5 and parts[4] == "reply":
                return self._failure(auth) or self._reply(parts[3], body)
            if method == "PATCH" and messages and len(parts) == 4:
                return self._failure(auth) or self._patch(parts[3], body)
            if method == "POST" and path == "/open-apis/ephemeral/v1/send":
                return self._failure(auth) or self._ephemeral(body)
        return _fail(404, 404, "not found")

    # -- auth ----------------------------------------------------------------------------------

    def _token(self, body: dict[str, Any]) -> Answer:
        with self.lock:
            self.token_fetches += 1
            if body.get("app_id") != self.app_id or body.get("app_secret") != self.app_secret:
                return _fail(400, 10014, "app secret invalid")
            token = "t-" + secrets.token_hex(20)
            self.tokens.add(token)
            return 200, {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200}, {}

    def _check_token(self, auth: str) -> Answer | None:
        scheme, _, token = auth.partition(" ")
        if scheme != "Bearer" or not token or token == "None":
            return _fail(400, 99991661, MISSING_TOKEN)
        if token in self.expired:  # expiry comes back in an HTTP 200 body
            return _fail(200, 99991663, INVALID_TOKEN)
        if token not in self.tokens:  # never issued here (our choice: 400)
            return _fail(400, 99991663, INVALID_TOKEN)
        return None

    def _failure(self, auth: str) -> Answer | None:
        """The next queued failure for an im/ephemeral call, if any (caller holds the lock)."""
        if not self.fail_next:
            return None
        kind = self.fail_next.pop(0)
        if kind == "429":
            headers = {"x-ogw-ratelimit-reset": "1", "x-ogw-ratelimit-limit": "50"}
            return 429, {"code": 99991400, "msg": "request trigger frequency limit"}, headers
        if kind == "500":
            return _fail(500, 1, "internal error")
        if kind == "expired":
            self.expired.add(auth.partition(" ")[2])
            return _fail(200, 99991663, INVALID_TOKEN)
        if kind == "230020":
            return _fail(400, 230020, "This operation triggers the frequency limit.")
        if kind == "hang":
            return 0, {}, {}
        raise ValueError(f"unknown fail_next kind {kind!r}")

    # -- messages ------------------------------------------------------------------------------

    def _content(self, msg_type: Any, content: Any) -> tuple[dict[str, Any] | None, Answer | None]:
        """Parse and size-check a `content` string: (parsed, None) or (None, error)."""
        if not isinstance(msg_type, str) or not msg_type:
            return None, _fail(400, 230001, f"{BAD_PARAM}, ext=msg_type is required")
        try:
            parsed = json.loads(content) if isinstance(content, str) else None
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            return None, _fail(400, 230001, "invalid message content")
        if msg_type == "file" and parsed.get("file_key") not in self.uploaded:
            return None, _fail(400, 230001, f"{BAD_PARAM}, ext=invalid file_key")
        limit = TEXT_LIMIT if msg_type == "text" else CARD_LIMIT
        if msg_type in ("text", "post", "interactive") and len(content.encode()) > limit:
            return None, _fail(400, 230025, "The length of the message content reaches its limit.")
        return parsed, None

    def _upload(self, body: dict[str, Any]) -> Answer:
        """POST im/v1/files, multipart: file_type (one of FILE_TYPES), file_name (with its
        suffix) and the file (not empty, at most 30 MB); its file_key (im-v1/file/create). The
        codes for a refusal (234001 bad parameter, 234006 too large) are from that page's
        error table as we read it, not confirmed against the live API."""
        failing = self.fail_uploads.pop(0) if self.fail_uploads else ""
        if failing == "429":
            headers = {"x-ogw-ratelimit-reset": "1"}
            return 429, {"code": 99991400, "msg": "request trigger frequency limit"}, headers
        if failing == "500":
            return _fail(500, 1, "internal error")
        data, name = body.get("file"), body.get("file_name")
        if body.get("file_type") not in FILE_TYPES or not isinstance(name, str) or not name:
            return _fail(400, 234001, "Invalid request param.")
        if not isinstance(data, bytes) or not data:
            return _fail(400, 234001, "Invalid request param: the file is empty.")
        if len(data) > 30 * 1024 * 1024:
            return _fail(400, 234006, "The file size exceed the max value.")
        file_key = f"file_v3_up_{len(self.uploaded) + 1:04d}"
        self.uploaded[file_key] = {"file_type": body["file_type"], "file_name": name, "data": data}
        return _ok({"file_key": file_key})

    def _gone(self, receive_id: Any) -> Answer | None:
        if receive_id == "ou_gone":
            return _fail(400, 230013, "Bot has NO availability to this user.")
        if receive_id == "oc_gone":
            return _fail(400, 230002, "Bot/User can NOT be out of the chat.")
        return None

    def _deduped(self, uuid: Any) -> Answer | None:
        """A uuid that already succeeded within the hour: answer as before, send nothing."""
        if not uuid:
            return None
        seen = self._uuids.get(uuid)
        if seen is None or time.time() - seen[0] >= UUID_WINDOW:
            return None
        self.deduped += 1
        return _ok(dict(seen[1]))

    def _new_id(self, prefix: str = "om_") -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def _create(self, query: dict[str, str], body: dict[str, Any]) -> Answer:
        kind = query.get("receive_id_type")
        if kind not in RECEIVE_ID_TYPES:
            return _fail(400, 99992402, "field validation failed")
        receive_id = body.get("receive_id")
        if not isinstance(receive_id, str) or not receive_id:
            return _fail(400, 99992402, "field validation failed")
        msg_type, uuid = body.get("msg_type"), body.get("uuid")
        parsed, error = self._content(msg_type, body.get("content"))
        if error:
            return error
        gone = self._gone(receive_id)
        if gone:
            return gone
        again = self._deduped(uuid)
        if again:
            return again
        message_id = self._new_id()
        # a DM's chat is the p2p chat with that user; "oc_p2p…" keeps it recognisable
        chat_id = receive_id if kind == "chat_id" else "oc_p2p_" + receive_id.removeprefix("ou_")
        now = time.time()
        data = {
            "message_id": message_id,
            "chat_id": chat_id,
            "msg_type": msg_type,
            "create_time": str(int(now * 1000)),
            "body": {"content": body["content"]},
        }
        self._remember(message_id, chat_id, msg_type, parsed, uuid, data, now)
        self.sent.append(
            {
                "receive_id_type": kind,
                "receive_id": receive_id,
                "chat_id": chat_id,
                "msg_type": msg_type,
                "content": parsed,
                "uuid": uuid,
                "message_id": message_id,
                "at": now,
            }
        )
        return _ok(data)

    def _reply(self, to: str, body: dict[str, Any]) -> Answer:
        if not to.startswith("om_"):
            return _fail(400, 230001, f"{BAD_PARAM}, ext=invalid message_id")
        msg_type, uuid = body.get("msg_type"), body.get("uuid")
        parsed, error = self._content(msg_type, body.get("content"))
        if error:
            return error
        chat_id = self.chats.get(to)
        gone = self._gone(chat_id)
        if gone:
            return gone
        again = self._deduped(uuid)
        if again:
            return again
        message_id = self._new_id()
        now = time.time()
        data = {
            "message_id": message_id,
            "root_id": to,
            "parent_id": to,
            "chat_id": chat_id,
            "msg_type": msg_type,
            "create_time": str(int(now * 1000)),
            "body": {"content": body["content"]},
        }
        if chat_id is None:  # replying to a message whose chat we were never told
            del data["chat_id"]
        self._remember(message_id, chat_id, msg_type, parsed, uuid, data, now)
        self.replies.append(
            {
                "to": to,
                "chat_id": chat_id,
                "msg_type": msg_type,
                "content": parsed,
                "uuid": uuid,
                "reply_in_thread": bool(body.get("reply_in_thread")),
                "message_id": message_id,
                "at": now,
            }
        )
        return _ok(data)

    def _remember(
        self,
        message_id: str,
        chat_id: str | None,
        msg_type: str,
        parsed: dict[str, Any] | None,
        uuid: Any,
        data: dict[str, Any],
        now: float,
    ) -> None:
        self._msgs[message_id] = {"msg_type": msg_type, "content": parsed}
        if chat_id:
            self.chats[message_id] = chat_id
        if uuid:
            self._uuids[uuid] = (now, data)

    def _patch(self, message_id: str, body: dict[str, Any]) -> Answer:
        """Update a shared card. Codes for refusals are 230001 (our choice, see module doc)."""
        old = self._msgs.get(message_id)
        if old is None:
            return _fail(400, 230001, f"{BAD_PARAM}, ext=invalid message_id")
        if old["msg_type"] != "interactive":
            return _fail(400, 230001, f"{BAD_PARAM}, ext=This message is NOT a card")
        parsed, error = self._content("interactive", body.get("content"))
        if error:
            return error
        for card in (old["content"], parsed):
            if not _shared(card):
                ext = "the card is not shared: config.update_multi must be true"
                return _fail(400, 230001, f"{BAD_PARAM}, ext={ext}")
        old["content"] = parsed
        self.patches.append({"message_id": message_id, "content": parsed, "at": time.time()})
        return _ok({})

    def _ephemeral(self, body: dict[str, Any]) -> Answer:
        chat_id, open_id, card = body.get("chat_id"), body.get("open_id"), body.get("card")
        if body.get("msg_type") != "interactive" or not isinstance(card, dict):
            return _fail(400, 230001, f"{BAD_PARAM}, ext=ephemeral needs an interactive card")
        if not isinstance(chat_id, str) or not isinstance(open_id, str):
            return _fail(400, 99992402, "field validation failed")
        if chat_id.startswith("oc_p2p"):  # "只能在群聊使用": groups only
            return _fail(400, 230001, f"{BAD_PARAM}, ext=ephemeral cards work in groups only")
        gone = self._gone(chat_id) or self._gone(open_id)
        if gone:
            return gone
        message_id = self._new_id("om_e")
        self.ephemeral.append(
            {
                "chat_id": chat_id,
                "open_id": open_id,
                "msg_type": "interactive",
                "card": card,
                "message_id": message_id,
                "at": time.time(),
            }
        )
        return 200, {"code": 0, "msg": "ok", "data": {"message_id": message_id}}, {}

    # -- people --------------------------------------------------------------------------------

    def _contact(self, open_id: str) -> Answer:
        with self.lock:
            delay = self.contact_delay
        if delay:
            time.sleep(delay)  # outside the lock: a slow lookup must not stall sends
        with self.lock:
            if self.contact_denied:
                scopes = "contact:user.base:readonly, contact:contact.base:readonly"
                violations = [
                    {"type": "action_scope_required", "subject": s.strip()}
                    for s in scopes.split(",")
                ]
                return _fail(
                    400,
                    99991672,
                    f"Access denied. One of the following scopes is required: [{scopes}].",
                    error={"permission_violations": violations},
                )
            default = {"open_id": open_id, "name": open_id, "time_zone": "Asia/Shanghai"}
            user = {"open_id": open_id} | dict(self.people.get(open_id) or default)
            return _ok({"user": user})

    # -- long connection bootstrap -------------------------------------------------------------

    def _endpoint(self, body: dict[str, Any]) -> Answer:
        with self.lock:
            self.endpoint_calls += 1
            if self.endpoint_down > 0:
                self.endpoint_down -= 1
                return _fail(503, 1, "system busy")
            if body.get("AppID") != self.app_id or body.get("AppSecret") != self.app_secret:
                return _fail(200, 10014, "app secret invalid")
            config = {
                "ReconnectCount": -1,
                "ReconnectInterval": 1,
                "ReconnectNonce": 0,
                "PingInterval": 120,
            }
            return _ok({"URL": self.ws_url, "ClientConfig": config}, msg="ok")

    # -- what tests read -----------------------------------------------------------------------

    def messages(self) -> list[dict[str, Any]]:
        """Every visible message — creates, replies, ephemeral cards, card patches — by time."""
        with self.lock:
            out = [{"kind": "sent", **m} for m in self.sent]
            out += [{"kind": "reply", **m} for m in self.replies]
            out += [{"kind": "ephemeral", "content": m["card"], **m} for m in self.ephemeral]
            out += [{"kind": "patch", "msg_type": "interactive", **m} for m in self.patches]
        return sorted(out, key=lambda m: m["at"])

    def texts(self) -> list[str]:
        """Each visible message as the reader would see its words (see `flatten`)."""
        return [flatten(m["msg_type"], m["content"]) for m in self.messages()]

    def wait(self, pred: Callable[[], bool], timeout: float = 10) -> bool:
        """Poll `pred` until it holds or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            if pred():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def rate(self, chat_id: str) -> float:
        """Most creates/replies accepted for one chat (or receive_id) in any 1-second window.

        Replies count when their chat is known: to our own messages, or via `self.chats`.
        Ephemeral cards and patches are separate APIs and are not counted.
        """
        with self.lock:
            times = [m["at"] for m in self.sent if chat_id in (m["receive_id"], m["chat_id"])]
            times += [m["at"] for m in self.replies if m["chat_id"] == chat_id]
        times.sort()
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return float(best)

    # -- files people sent: im/v1/messages/:message_id/resources/:file_key ---------------------

    def send_file(self, message_id: str, name: str, data: bytes) -> dict[str, str]:
        """A file a person sends the bot: the `content` of its im.message.receive_v1 event
        (message_type "file"); its bytes are served as that message's resource."""
        with self.lock:
            file_key = f"file_v3_{len(self.resources) + 1:04d}_{secrets.token_hex(4)}"
            self.resources[(message_id, file_key)] = (name, data)
        return {"file_key": file_key, "file_name": name}

    @staticmethod
    def is_resource(path: str) -> bool:
        parts = path.removeprefix("/open-apis/").split("/")
        return parts[:3] == ["im", "v1", "messages"] and len(parts) == 6 and parts[4] == "resources"

    def resource(
        self, path: str, query: dict[str, str], auth: str
    ) -> tuple[int, dict[str, str], bytes]:
        """GET …/messages/:message_id/resources/:file_key?type=file: the bytes, with the name in
        Content-Disposition; a failure in JSON, as the other APIs answer. `type` is required
        (image | file) and the file_key must match the message (im-v1/message-resource/get:
        "请求的 file_key 和 message_id 需要匹配"); the answer to a mismatch, 400 + 234003, is our
        choice, not confirmed against the live API."""
        parts = path.removeprefix("/open-apis/").split("/")
        with self.lock:
            self.calls.append(("GET", path, dict(query)))
            denied = self._check_token(auth)
            found = self.resources.get((parts[3], parts[5]))

        def failed(answer: Answer) -> tuple[int, dict[str, str], bytes]:
            data = json.dumps(answer[1]).encode()
            headers = {"Content-Type": "application/json; charset=utf-8"}
            return answer[0], headers | {"Content-Length": str(len(data))}, data

        if denied:
            return failed(denied)
        if query.get("type") not in ("image", "file"):
            return failed(_fail(400, 99992402, "field validation failed"))
        if found is None:
            return failed(_fail(400, 234003, "File not in msg."))
        name, data = found
        return (
            200,
            {
                "Content-Type": "application/octet-stream",
                "Content-Length": str(len(data)),
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            },
            data,
        )


FILE_TYPES = ("opus", "mp4", "pdf", "doc", "xls", "ppt", "stream")


def _form(content_type: str, raw: bytes) -> dict[str, Any]:
    """A multipart body as the upload reads it: text fields as str, the file as bytes.
    lark-oapi sends the file as a part without a filename (its name is a field of its own),
    so the part called "file" is the bytes, whatever its headers say."""
    found = multipart.parts(content_type, raw)
    return {
        name: part.data if part.filename is not None or name == "file" else part.text
        for name, part in found.items()
    }


def _shared(card: dict[str, Any] | None) -> bool:
    config = (card or {}).get("config")
    return isinstance(config, dict) and config.get("update_multi") is True


def flatten(msg_type: str, content: dict[str, Any] | None) -> str:
    """Readable text of one message.

    text → its text; post → title, then each line's text/link/md elements joined, `at` as
    "@"+user_id; card → header title and every `content` string in the body (markdown,
    plain_text, button text), one per line. Button `value`s and behaviours are not shown.
    """
    content = content or {}
    if msg_type == "text":
        return str(content.get("text", ""))
    if msg_type == "post":
        post = content.get("post", content)
        if "content" not in post:  # {"zh_cn": {...}}: take the first locale
            post = next((v for v in post.values() if isinstance(v, dict)), {})
        lines = [post["title"]] if post.get("title") else []
        for line in post.get("content") or []:
            words = []
            for el in line:
                if el.get("tag") == "at":
                    words.append("@" + str(el.get("user_id", "")))
                elif "text" in el:
                    words.append(str(el["text"]))
            lines.append("".join(words))
        return "\n".join(lines)
    if msg_type == "interactive":
        found: list[str] = []
        title = ((content.get("header") or {}).get("title") or {}).get("content")
        if title:
            found.append(str(title))
        body = content.get("body") or {"elements": content.get("elements") or []}
        _contents(body, found)
        return "\n".join(found)
    return json.dumps(content, ensure_ascii=False)


def _contents(node: Any, found: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("value", "behaviors", "confirm"):
                continue
            if key == "content" and isinstance(value, str):
                found.append(value)
            else:
                _contents(value, found)
    elif isinstance(node, list):
        for item in node:
            _contents(item, found)
