"""A local HTTP server on 127.0.0.1 that answers like WeCom's server API and records calls.

Why a server and not mocks: the adapter talks to `https://qyapi.weixin.qq.com/cgi-bin/` through
its own httpx client (WeCom has no official general SDK), so the fake has to speak the wire
protocol: `GET gettoken?corpid&corpsecret`, then `?access_token=` on every call, and every answer
an HTTP 200 whose JSON `errcode` says what happened. Give the client `FakeWecom.url`
("http://127.0.0.1:PORT/cgi-bin/") as its base URL. It also serves the AI bot's one-use reply
address (`response_url`), which WeCom hands out in the bot's callbacks.

What it models, and why each matters to dealbot:
- tokens last `token_ttl` (7200 s); an expired one is 42001, one never issued (or forgotten) is
  40014 — RELIABILITY.md W2: a client that caches a rejected token blocks sends for hours;
- `token_delay` slows gettoken so that concurrent cold starts can prove they fetch once (W3);
- text over 2048 bytes is delivered cut to 2048 bytes, errcode 0 (counted in `truncated`):
  "最长不超过2048个字节，超过将截断" — a long answer loses its end without a word;
- `enable_duplicate_check`: the same content to the same member within the interval is answered
  errcode 0 and not delivered (counted in `duplicates`) — W4, WeCom suppresses it silently;
- more than `per_minute` (30) or `per_hour` (1000) messages to one member are answered errcode 0
  and not delivered (counted in `dropped`) — PLATFORMS.md §3.5, "silently dropped";
- button cards: task_id rules, a response_code per send, each code usable once within 72 h.

Error codes, and where they come from:
- WeCom's global error codes (document/path/90313; mirrored with their Chinese texts in
  WxJava's `WxCpErrorMsgEnum`): -1 system busy, 40001 invalid secret, 40008 invalid msgtype,
  40013 invalid corpid, 40014 invalid access_token, 40056 invalid agentid, 40058 invalid
  parameter, 41001 missing access_token, 42001 access_token expired, 42009 (suite) token
  expired, 44004 empty content, 45002 "消息内容大小超过限制" (errmsg "content size out of
  limit", as WeChat's APIs word it), 45009 API frequency limit, 45033 concurrency limit,
  60011 "no privilege to access/modify contact/party/agent", 60111 userid not found,
  81013 user & party & tag all invalid.
- 42014 "taskid has existed or empty or exceed max len": a reused, empty or over-long card
  task_id (an answer quoted in WeCom's developer community, 2022).
- 2048 bytes for text.content ("超过将截断": cut) and markdown.content (the limit only), and
  duplicate_check_interval "默认1800s，最大不超过4小时": document/path/90236.
- response_code: once, within 72 h (document/path/94945); response_url: once, within 1 h
  (document/path/101138).
Choices of our own (not confirmed against the live API):
- `RESPONSE_CODE_INVALID` (40184) for an unknown, used or expired response_code, both on
  message/update_template_card and on the AI bot's response_url;
- 45002 for markdown over 2048 bytes (the page states the limit, not the outcome);
- 40058 for malformed cards (no main_title.title, 0 or more than 6 buttons, a button without
  text or key, an unknown card_type, a task_id with characters outside [0-9a-zA-Z_-@]) and for
  an update with neither `button` nor `template_card`;
- a duplicate answered by the check gets the first send's msgid (and response_code), and the
  duplicate check runs before the task_id check;
- several members in `touser`: each is delivered, paced and de-duplicated on their own; members
  named "gone" are skipped and listed in `invaliduser`, and only when all are gone is it 81013;
- the per-member windows count only messages actually delivered;
- a duplicate_check_interval over 4 hours counts as 4 hours;
- a path the fake does not know is HTTP 404.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, quote, urlsplit

from tests.fakes import multipart

Answer = tuple[int, dict[str, Any]]  # HTTP status (0 = hang up unanswered), JSON body

CONTENT_LIMIT = 2048  # bytes of text.content / markdown.content (UTF-8)
DUPLICATE_INTERVAL = 1800  # seconds: duplicate_check_interval's default
DUPLICATE_INTERVAL_MAX = 4 * 3600  # and its most
TASK_ID_LIMIT = 128  # bytes
TASK_ID = re.compile(r"[0-9a-zA-Z_\-@]+")
BUTTONS = (1, 6)  # a button_interaction card's button_list, at least and at most
RESPONSE_CODE_TTL = 72 * 3600.0  # seconds a card's response_code can be used (once)
RESPONSE_URL_TTL = 3600.0  # seconds the AI bot's response_url can be used (once)
RESPONSE_CODE_INVALID = 40184  # our choice: see the module doc
CARD_TYPES = (
    "text_notice",
    "news_notice",
    "button_interaction",
    "vote_interaction",
    "multiple_interaction",
)
CALLBACK_CARDS = ("button_interaction", "vote_interaction", "multiple_interaction")
MSGTYPES = ("text", "markdown", "template_card", "textcard", "news", "image", "file")

ERRMSG = {
    -1: "system busy",
    40001: "invalid credential",
    40008: "invalid message type",
    40004: "invalid media type",
    40005: "invalid file type",
    40006: "invalid file size",
    40007: "invalid media_id",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40056: "invalid agentid",
    40058: "invalid Request Parameter",
    41001: "access_token missing",
    42001: "access_token expired",
    42009: "suite_access_token expired",
    42014: "taskid has existed or empty or exceed max len",
    44004: "empty content",
    45002: "content size out of limit",
    45009: "api freq out of limit",
    45033: "api concurrent out of limit",
    60011: "no privilege to access/modify contact/party/agent",
    60111: "userid not found",
    81013: "user & party & tag all invalid",
    RESPONSE_CODE_INVALID: "invalid response_code",
}


def _fail(code: int, detail: str = "") -> Answer:
    """WeCom's error shape: HTTP 200, errcode, and an errmsg with a hint and a help link.

    The suffix is there so that no client compares errmsg for equality (WeCom's docs: judge by
    errcode only, errmsg may change)."""
    msg = ERRMSG.get(code, "error") + (f", {detail}" if detail else "")
    hint = f"[{int(time.time())}_{secrets.randbelow(1000)}_{secrets.token_hex(16)}]"
    more = f"https://open.work.weixin.qq.com/devtool/query?e={code}"
    return 200, {
        "errcode": code,
        "errmsg": f"{msg}, hint: {hint}, from ip: 127.0.0.1, more info at {more}",
    }


def _ok(**data: Any) -> Answer:
    return 200, {"errcode": 0, "errmsg": "ok", **data}


def _bytes(value: Any) -> int:
    return len(str(value).encode())


class FakeWecom:
    """WeCom's server API, in-process. Every public attribute is guarded by `self.lock`."""

    def __init__(
        self,
        *,
        corp_id: str = "ww_test_corp",
        secret: str = "wecom-app-secret",
        agent_id: int = 1000002,
        hang_seconds: float = 2.0,
    ) -> None:
        self.corp_id = corp_id
        self.secret = secret
        self.agent_id = agent_id
        self.hang_seconds = hang_seconds
        self.lock = threading.Lock()
        # (method, path after /cgi-bin/ or the full path, JSON body merged with the query)
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.sent: list[dict[str, Any]] = []  # delivered: one entry per member and message
        self.updates: list[dict[str, Any]] = []  # accepted update_template_card calls
        self.responses: dict[str, list[dict[str, Any]]] = {}  # response_url key → bodies
        self.suppressed: list[dict[str, Any]] = []  # answered 0, not delivered: duplicates
        self.lost: list[dict[str, Any]] = []  # answered 0, not delivered: over the pace
        self.people: dict[str, dict[str, Any]] = {}  # userid → user/get fields
        self.gone: set[str] = {"gone"}  # userids user/get does not know (60111)
        self.contact_denied = False  # user/get answers 60011
        self.user_delay = 0.0  # seconds user/get takes
        self.fail_next: list[str] = []  # for the next send/update calls, in order; see _failure
        self.token_fetches = 0
        self.token_delay = 0.0  # seconds gettoken takes: concurrent cold starts overlap
        self.token_ttl = 7200  # seconds; what gettoken reports as expires_in
        self.duplicates = 0  # deliveries the duplicate check suppressed
        self.truncated = 0  # text deliveries cut to 2048 bytes
        self.dropped = 0  # deliveries lost to the per-member pace
        self.per_minute = 30  # deliveries per member per 60 s; more are dropped silently
        self.minute = 60.0  # that window, in seconds (a test may shorten it to go faster)
        self.per_hour = 1000  # and per 3600 s
        self.code_ttl = RESPONSE_CODE_TTL
        self.tokens: dict[str, float] = {}  # issued token → time.monotonic() it expires
        self.cards: dict[str, dict[str, Any]] = {}  # task_id → {"card", "touser", "at"}
        self.codes: dict[str, dict[str, Any]] = {}  # response_code → {"task_id", "at", "used"}
        self._urls: dict[str, dict[str, Any]] = {}  # response_url key → {"at", "used"}
        self._checks: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}
        self.media_files: dict[str, tuple[str, bytes]] = {}  # media_id → (name, bytes)
        # what the app uploaded (media/upload): media_id → type, filename, data
        self.uploads: dict[str, dict[str, Any]] = {}
        self.fail_uploads: list[str] = []  # errcodes for the next uploads, e.g. "45009"
        self._n = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size) if size else b""
                query = dict(parse_qsl(parts.query))
                kind = self.headers.get("Content-Type") or ""
                if parts.path == "/cgi-bin/media/upload":
                    body = fake.upload(query, kind, raw)
                    data = json.dumps(body, ensure_ascii=False).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                if self.command == "GET" and parts.path == "/cgi-bin/media/get":
                    self._bytes(*fake.media(query))
                    return
                status, payload = fake.answer(self.command, parts.path, query, body)
                if status == 0:  # a timeout: hold the connection past the client's patience
                    time.sleep(fake.hang_seconds)
                    self.close_connection = True
                    return
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _bytes(self, headers: dict[str, str], data: bytes) -> None:
                self.send_response(200)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client stopped reading
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = f"{self.base}/cgi-bin/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- routing -------------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> Answer:
        """One request → (HTTP status, JSON body); status 0 means hang up unanswered."""
        record = dict(query) | (body if isinstance(body, dict) else {})
        short = path.removeprefix("/cgi-bin/")
        with self.lock:
            self.calls.append((method, short, record))
        if body is None or (method == "POST" and not isinstance(body, dict)):
            return _fail(40058, "request body is not a JSON object")
        if path.startswith("/aibot/response/"):  # the shape tests build by hand
            return self._respond(path.removeprefix("/aibot/response/"), body)
        if path == "/cgi-bin/aibot/response":  # the shape WeCom hands out
            return self._respond(query.get("response_code", ""), body)
        if method == "GET" and path == "/cgi-bin/gettoken":
            return self._token(query)
        if not path.startswith("/cgi-bin/"):
            return 404, {"errcode": 404, "errmsg": "not found"}
        with self.lock:
            denied = self._check_token(query.get("access_token"))
        if denied:
            return denied
        if method == "GET" and short == "user/get":
            return self._user(query.get("userid", ""))
        with self.lock:
            if method == "POST" and short == "message/send":
                return self._failure(query["access_token"]) or self._send(body)
            if method == "POST" and short == "message/update_template_card":
                return self._failure(query["access_token"]) or self._update(body)
        return 404, {"errcode": 404, "errmsg": "not found"}

    # -- files the app sends: media/upload -----------------------------------------------------

    def upload(self, query: dict[str, str], content_type: str, raw: bytes) -> dict[str, Any]:
        """POST media/upload?access_token&type, multipart with the file in the field "media"
        and its shown name as the part's filename (document/path/90253): a media_id for 3
        days. Every file more than 5 bytes; an image a JPG or PNG of at most 10 MB, a file at
        most 20 MB. 40004 for a type it does not know and 40006 for a size out of bounds are
        WeCom's global codes; the PNG/JPG check by the bytes' signature is our choice."""
        with self.lock:
            self.calls.append(("POST", "media/upload", dict(query)))
            denied = self._check_token(query.get("access_token"))
            if denied:
                return denied[1]
            if self.fail_uploads:
                return _fail(int(self.fail_uploads.pop(0)))[1]
            kind = query.get("type")
            if kind not in ("image", "voice", "video", "file"):
                return _fail(40004)[1]
            try:
                media = multipart.parts(content_type, raw).get("media")
            except ValueError:
                media = None
            if media is None or not media.filename:
                return _fail(40058, "media with a filename is required")[1]
            limit = 20 * 1024 * 1024 if kind == "file" else 10 * 1024 * 1024
            if not 5 < len(media.data) <= limit:
                return _fail(40006)[1]
            if kind == "image" and not media.data.startswith((b"\x89PNG", b"\xff\xd8\xff")):
                return _fail(40005, "an image is a JPG or a PNG")[1]
            media_id = f"UP_{len(self.uploads) + 1}_{secrets.token_hex(8)}"
            self.uploads[media_id] = {"type": kind, "filename": media.filename, "data": media.data}
            return _ok(type=kind, media_id=media_id, created_at=str(int(time.time())))[1]

    # -- files members send the app: media/get ------------------------------------------------

    def receive_file(self, name: str, data: bytes) -> str:
        """A file a member sends the app: its MediaId, for the callback; media/get serves it."""
        with self.lock:
            media_id = f"MEDIA_{len(self.media_files) + 1}_{secrets.token_hex(8)}"
            self.media_files[media_id] = (name, data)
        return media_id

    def media(self, query: dict[str, str]) -> tuple[dict[str, str], bytes]:
        """GET media/get?access_token&media_id (document/path/90254): HTTP 200 either way — the
        file with Content-disposition and Content-Length, or JSON with an errcode (40007
        invalid media_id)."""
        with self.lock:
            self.calls.append(("GET", "media/get", dict(query)))
            denied = self._check_token(query.get("access_token"))
            found = self.media_files.get(query.get("media_id", ""))
        if denied is None and found is None:
            denied = 200, {"errcode": 40007, "errmsg": "invalid media_id"}
        if denied is not None:
            data = json.dumps(denied[1]).encode()
            headers = {"Content-Type": "application/json; charset=UTF-8"}
            return headers | {"Content-Length": str(len(data))}, data
        name, data = found  # type: ignore[misc]
        return {
            "Content-Type": "application/octet-stream",
            "Content-disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Content-Length": str(len(data)),
        }, data

    # -- tokens --------------------------------------------------------------------------------

    def _token(self, query: dict[str, str]) -> Answer:
        with self.lock:
            self.token_fetches += 1
            delay = self.token_delay
        if delay:
            time.sleep(delay)  # outside the lock: overlapping fetches must be able to overlap
        with self.lock:
            if query.get("corpid") != self.corp_id:
                return _fail(40013)
            if query.get("corpsecret") != self.secret:
                return _fail(40001)
            alphabet = string.ascii_letters + string.digits + "-_"
            token = "".join(secrets.choice(alphabet) for _ in range(64))
            self.tokens[token] = time.monotonic() + self.token_ttl
            return _ok(access_token=token, expires_in=self.token_ttl)

    def _check_token(self, token: str | None) -> Answer | None:
        if not token:
            return _fail(41001)
        expires = self.tokens.get(token)
        if expires is None:
            return _fail(40014)
        if time.monotonic() >= expires:
            return _fail(42001)
        return None

    def expire_tokens(self) -> None:
        """Every token issued so far is past its 7200 s: the next call with one gets 42001."""
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = 0.0

    def forget_tokens(self) -> None:
        """Every token issued so far becomes unknown (40014), as after a secret reset."""
        with self.lock:
            self.tokens.clear()

    def _failure(self, token: str) -> Answer | None:
        """The next queued failure for a send or an update, if any (caller holds the lock).

        "40014": the token is forgotten too, so a client that keeps it keeps failing;
        "42001" / "42009": the token is expired too; "hang": no answer for `hang_seconds`;
        "500": HTTP 500; any other number: that errcode, e.g. "45009", "-1", "45033"."""
        if not self.fail_next:
            return None
        kind = self.fail_next.pop(0)
        if kind == "hang":
            return 0, {}
        if kind == "500":
            return 500, {"errcode": -1, "errmsg": "system error"}
        code = int(kind)
        if code == 40014:
            self.tokens.pop(token, None)
        elif code in (42001, 42009):
            self.tokens[token] = 0.0
        return _fail(code)

    # -- message/send --------------------------------------------------------------------------

    def _agent(self, body: dict[str, Any]) -> Answer | None:
        if str(body.get("agentid", "")) != str(self.agent_id):
            return _fail(40056)
        return None

    def _content(self, msgtype: Any, body: dict[str, Any]) -> tuple[Any, Answer | None]:
        """The message's `<msgtype>` object, checked: (content, None) or (None, error)."""
        if msgtype not in MSGTYPES:
            return None, _fail(40008)
        content = body.get(msgtype)
        if not isinstance(content, dict):
            return None, _fail(40058, f"{msgtype} is required")
        if msgtype in ("text", "markdown"):
            text = content.get("content")
            if not isinstance(text, str) or not text:
                return None, _fail(44004)
            if _bytes(text) > CONTENT_LIMIT and msgtype == "markdown":
                return None, _fail(45002)
            if _bytes(text) > CONTENT_LIMIT:  # text is cut, not refused
                cut = text.encode()[:CONTENT_LIMIT].decode(errors="ignore")
                return content | {"content": cut}, None
        if msgtype == "template_card":
            return content, self._check_card(content)
        if msgtype in ("image", "file"):  # an uploaded media_id of that type
            upload = self.uploads.get(str(content.get("media_id")))
            if upload is None or upload["type"] != msgtype:
                return None, _fail(40007)
        return content, None

    def _check_card(self, card: dict[str, Any]) -> Answer | None:
        kind = card.get("card_type")
        if kind not in CARD_TYPES:
            return _fail(40058, "invalid card_type")
        title = (card.get("main_title") or {}).get("title")
        if kind == "button_interaction" and not (isinstance(title, str) and title):
            return _fail(40058, "main_title.title is required")
        if kind == "button_interaction":
            buttons = card.get("button_list")
            if not isinstance(buttons, list) or not BUTTONS[0] <= len(buttons) <= BUTTONS[1]:
                return _fail(40058, "button_list must have 1 to 6 buttons")
            for button in buttons:
                if not isinstance(button, dict) or not button.get("text") or not button.get("key"):
                    return _fail(40058, "a button needs text and key")
        if kind in CALLBACK_CARDS or "task_id" in card:
            task = card.get("task_id")
            if not isinstance(task, str) or not task or _bytes(task) > TASK_ID_LIMIT:
                return _fail(42014)
            if not TASK_ID.fullmatch(task):
                return _fail(40058, "task_id may hold only 0-9 a-z A-Z _ - @")
        return None

    def _send(self, body: dict[str, Any]) -> Answer:
        error = self._agent(body)
        if error:
            return error
        msgtype = body.get("msgtype")
        content, error = self._content(msgtype, body)
        if error:
            return error
        cut = content is not body[msgtype]  # text over the limit, cut to it
        users = [u for u in str(body.get("touser") or "").split("|") if u]
        invalid = [u for u in users if u == "gone"]
        users = [u for u in users if u != "gone"]
        if not users:
            return _fail(81013)
        now = time.monotonic()
        check = body.get("enable_duplicate_check") == 1
        interval = float(body.get("duplicate_check_interval") or DUPLICATE_INTERVAL)
        interval = min(interval, DUPLICATE_INTERVAL_MAX)
        key = json.dumps(content, ensure_ascii=False, sort_keys=True)
        answer: dict[str, Any] = {"invaliduser": "|".join(invalid)}
        fresh = []
        for user in users:
            seen = self._checks.get((user, str(msgtype), key)) if check else None
            if seen is not None and now - seen[0] < interval:
                self.duplicates += 1  # answered as the first time, and not sent again
                self.suppressed.append(
                    {"touser": user, "msgtype": msgtype, "content": content, "at": now} | seen[1]
                )
            else:
                fresh.append(user)
        if not fresh:
            first = self._checks[(users[0], str(msgtype), key)][1]
            return _ok(**(answer | first))
        task = content.get("task_id") if msgtype == "template_card" else None
        if task is not None and task in self.cards:
            return _fail(42014)
        self._n += 1
        answer["msgid"] = f"msg{self._n}"
        if msgtype == "template_card" and content.get("card_type") in CALLBACK_CARDS:
            answer["response_code"] = self._new_code(str(task), now)
        if task is not None:
            self.cards[task] = {"card": content, "touser": body.get("touser"), "at": now}
        result = {k: v for k, v in answer.items() if k in ("msgid", "response_code")}
        for user in fresh:
            if check:
                self._checks[(user, str(msgtype), key)] = (now, result)
            entry = {"touser": user, "msgtype": msgtype, "content": content, "at": now} | result
            if cut:
                self.truncated += 1
                entry["truncated"] = True
            if self._over_pace(user, now):
                self.dropped += 1  # answered 0 all the same: WeCom drops it without a word
                self.lost.append(entry)
            else:
                self.sent.append(entry)
        return _ok(**answer)

    def _over_pace(self, user: str, now: float) -> bool:
        times = [m["at"] for m in self.sent if m["touser"] == user]
        minute = sum(1 for t in times if now - t < self.minute)
        hour = sum(1 for t in times if now - t < 3600)
        return minute >= self.per_minute or hour >= self.per_hour

    def _new_code(self, task_id: str, now: float) -> str:
        code = "rc-" + secrets.token_urlsafe(24)
        self.codes[code] = {"task_id": task_id, "at": now, "used": False}
        return code

    def click_code(self, task_id: str) -> str:
        """A fresh response_code, as the callback for a click on card `task_id` carries one."""
        with self.lock:
            return self._new_code(task_id, time.monotonic())

    def expire_code(self, code: str) -> None:
        """Make `code` older than 72 hours."""
        with self.lock:
            self.codes[code]["at"] = time.monotonic() - self.code_ttl - 1

    # -- message/update_template_card ----------------------------------------------------------

    def _update(self, body: dict[str, Any]) -> Answer:
        error = self._agent(body)
        if error:
            return error
        code = body.get("response_code")
        known = self.codes.get(code) if isinstance(code, str) else None
        if known is None or known["used"] or time.monotonic() - known["at"] >= self.code_ttl:
            return _fail(RESPONSE_CODE_INVALID)
        button, card = body.get("button"), body.get("template_card")
        if isinstance(button, dict) and button.get("replace_name"):
            kind, content = "button", button
        elif isinstance(card, dict):
            error = self._check_card(card)
            if error:
                return error
            kind, content = "template_card", card
        else:
            return _fail(40058, "button.replace_name or template_card is required")
        known["used"] = True
        task = known["task_id"]
        if kind == "template_card" and task in self.cards:
            self.cards[task]["card"] = card
        self.updates.append(
            {
                "response_code": code,
                "task_id": task,
                "userids": body.get("userids"),
                "atall": body.get("atall"),
                "kind": kind,
                "content": content,
                kind: content,
                "at": time.monotonic(),
            }
        )
        return _ok(invaliduser=[])

    # -- the AI bot's response_url -------------------------------------------------------------

    def response_url(self, key: str | None = None) -> str:
        """A one-use reply address as WeCom puts it in an AI bot callback (valid for 1 h)."""
        key = key or secrets.token_hex(16)
        with self.lock:
            self._urls.setdefault(key, {"at": time.monotonic(), "used": False})
        return f"{self.url}aibot/response?response_code={key}"

    def _respond(self, key: str, body: dict[str, Any]) -> Answer:
        with self.lock:
            url = self._urls.setdefault(key, {"at": time.monotonic(), "used": False})
            if not key or url["used"] or time.monotonic() - url["at"] >= RESPONSE_URL_TTL:
                return _fail(RESPONSE_CODE_INVALID)
            if body.get("msgtype") not in ("markdown", "text", "template_card"):
                return _fail(40008)
            url["used"] = True
            self.responses.setdefault(key, []).append(body | {"at": time.monotonic()})
            return _ok()

    def expire_response_url(self, key: str) -> None:
        with self.lock:
            self._urls.setdefault(key, {"used": False})["at"] = -RESPONSE_URL_TTL

    # -- user/get ------------------------------------------------------------------------------

    def _user(self, userid: str) -> Answer:
        with self.lock:
            delay = self.user_delay
        if delay:
            time.sleep(delay)  # outside the lock: a slow lookup must not stall sends
        with self.lock:
            if self.contact_denied:
                return _fail(60011)
            if not userid or userid in self.gone:
                return _fail(60111)
            person = {"userid": userid, "name": userid, "department": [1], "status": 1}
            return _ok(**(person | dict(self.people.get(userid) or {})))

    # -- what tests read -----------------------------------------------------------------------

    def messages(self) -> list[dict[str, Any]]:
        """Every visible message — deliveries, card updates, response_url replies — by time."""
        with self.lock:
            out = [{"kind": "sent", **m} for m in self.sent]
            out += [{**u, "kind": "update", "msgtype": u["kind"]} for u in self.updates]
            for key, bodies in self.responses.items():
                for b in bodies:
                    kind = b.get("msgtype")
                    out.append(
                        {
                            "kind": "response",
                            "key": key,
                            "msgtype": kind,
                            "content": b.get(kind),
                            "at": b["at"],
                        }
                    )
        return sorted(out, key=lambda m: m["at"])

    def texts(self) -> list[str]:
        """Each visible message as its reader sees the words (see `flatten`)."""
        return [flatten(m["msgtype"], m["content"]) for m in self.messages()]

    def wait(self, pred: Callable[[], bool], timeout: float = 10) -> bool:
        """Poll `pred` until it holds or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            if pred():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def rate(self, touser: str) -> int:
        """Most messages delivered to one member in any window of `minute` seconds (60 unless
        a test shortened it): what the per-member pace is checked against."""
        with self.lock:
            times = sorted(m["at"] for m in self.sent if m["touser"] == touser)
            window = self.minute
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best


def flatten(msgtype: str, content: dict[str, Any] | None) -> str:
    """Readable text of one message, one line per visible piece.

    text / markdown → the content; button (an update) → its replace_name; template_card →
    source desc, main_title title and desc, emphasis_content, quote_area, sub_title_text,
    horizontal_content_list "keyname: value", then each button's text (keys are not shown).
    """
    content = content or {}
    if msgtype in ("text", "markdown"):
        return str(content.get("content", ""))
    if msgtype == "stream":
        return str(content.get("content", ""))
    if msgtype == "button":
        return str(content.get("replace_name", ""))
    if msgtype != "template_card":
        return json.dumps(content, ensure_ascii=False)
    lines: list[str] = []

    def add(*values: Any) -> None:
        lines.extend(str(v) for v in values if v)

    add((content.get("source") or {}).get("desc"))
    main = content.get("main_title") or {}
    add(main.get("title"), main.get("desc"))
    emphasis = content.get("emphasis_content") or {}
    add(emphasis.get("title"), emphasis.get("desc"))
    quote = content.get("quote_area") or {}
    add(quote.get("title"), quote.get("quote_text"))
    add(content.get("sub_title_text"))
    for row in content.get("horizontal_content_list") or []:
        key, value = row.get("keyname"), row.get("value")
        add(f"{key}: {value}" if key and value else key or value)
    for button in content.get("button_list") or []:
        add(button.get("text"))
    return "\n".join(lines)
