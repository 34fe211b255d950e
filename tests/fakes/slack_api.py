"""A local HTTP server on 127.0.0.1 that answers like the Slack Web API and records calls.

It can fail a share of chat.postMessage calls the ways Slack does: HTTP 500, HTTP 429 with
Retry-After, and timeouts (the request is dropped unanswered, as when it never got through).
"""

from __future__ import annotations

import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, quote


class FakeSlack:
    def __init__(
        self,
        *,
        fail_rate: float = 0.0,
        seed: int = 7,
        retry_after: int = 1,
        hang_seconds: float = 2.0,
    ) -> None:
        self.fail_rate = fail_rate
        self.random = random.Random(seed)
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.lock = threading.Lock()
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every call, answered or not
        self.posted: list[dict[str, Any]] = []  # messages Slack accepted
        self.failures = {"500": 0, "429": 0, "timeout": 0}
        self.fail_next: list[str] = []  # "429" / "500" for the next chat.* calls, in order
        self.ephemeral: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.responses: dict[str, list[dict[str, Any]]] = {}  # response_url id → posts
        self.answered_at: dict[str, float] = {}  # response_url id → time of the first post
        self.people: dict[str, dict[str, Any]] = {}  # user id → users.info "user"
        self.profiles_down: dict[str, int] = {}  # user id → how many users.info calls get 429
        self.socket_url = ""  # what apps.connections.open hands out (Socket Mode)
        self._ts = 0
        self.files: dict[str, tuple[str, bytes]] = {}  # file id → (name, bytes): downloads
        self.downloads: list[tuple[str, str]] = []  # (path, Authorization) of each GET
        self.caller = threading.local()  # .token: the bearer token of the call being answered
        # files the bot uploads (files_upload_v2): file id → getUploadURLExternal's arguments
        # and, once POSTed to its upload_url, the bytes; `shared` holds what completeUpload
        # made visible, one entry per file share a person sees
        self.uploads: dict[str, dict[str, Any]] = {}
        self.shared: list[dict[str, Any]] = []
        self.opened: list[dict[str, Any]] = []  # views.open: its trigger_id and the modal
        self.published: list[dict[str, Any]] = []  # views.publish: user_id and the Home view
        self.fail_method: dict[str, list[str]] = {}  # method → "429" / "500" for its next calls
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                status, headers, data = fake.download(
                    self.path, self.headers.get("Authorization") or ""
                )
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client stopped reading
                    pass

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(size)
                if len(data) < size:  # the client died mid-request: Slack would take nothing
                    self.close_connection = True
                    return
                if self.path.startswith("/upload/v1/"):  # a file's bytes, to its upload_url
                    status = fake.receive(self.path.rsplit("/", 1)[-1], data)
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                raw = data.decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = dict(parse_qsl(raw))
                if self.path.startswith("/response/"):
                    fake.respond(self.path.rsplit("/", 1)[-1], body)
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                    return
                method = self.path.rsplit("/", 1)[-1]
                fake.caller.token = (self.headers.get("Authorization") or "").removeprefix(
                    "Bearer "
                )
                status, payload, headers = fake.answer(method, body)
                if status == 0:  # a timeout: hold the connection past the client's patience
                    time.sleep(fake.hang_seconds)
                    self.close_connection = True
                    return
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return self.url.removesuffix("/api/")

    def respond(self, key: str, body: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append(("response_url", body))
            self.responses.setdefault(key, []).append(body)
            self.answered_at.setdefault(key, time.time())

    def answer(
        self, method: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self.lock:
            self.calls.append((method, body))
            if method.startswith("chat.") and self.fail_next:
                kind = self.fail_next.pop(0)
                self.failures[kind] += 1
                if kind == "429":
                    return (
                        429,
                        {"ok": False, "error": "ratelimited"},
                        {"Retry-After": str(self.retry_after)},
                    )
                return 500, {"ok": False, "error": "internal_error"}, {}
            if method == "chat.postMessage" and self.random.random() < self.fail_rate:
                kind = self.random.choice(["500", "429", "timeout"])
                self.failures[kind] += 1
                if kind == "500":
                    return 500, {"ok": False, "error": "internal_error"}, {}
                if kind == "429":
                    return (
                        429,
                        {"ok": False, "error": "ratelimited"},
                        {"Retry-After": str(self.retry_after)},
                    )
                return 0, {}, {}
            failing = self.fail_method.get(method)
            if failing:
                kind = failing.pop(0)
                self.failures[kind] += 1
                if kind == "429":
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
                return 500, {"ok": False, "error": "internal_error"}, {}
            if method == "files.getUploadURLExternal":
                file_id = f"FUP{len(self.uploads) + 1:06d}"
                self.uploads[file_id] = {
                    "filename": body.get("filename"),
                    "length": int(body.get("length") or 0),
                    "alt_txt": body.get("alt_txt"),
                    "data": None,
                }
                url = f"{self.base}/upload/v1/{file_id}"
                return 200, {"ok": True, "upload_url": url, "file_id": file_id}, {}
            if method == "files.completeUploadExternal":
                return self.complete(body)
            if method == "auth.test":
                # installed across an Enterprise Grid org: its workspaces (the tests' T-…) are
                # ours; a payload from another org (Slack Connect) is an outsider's
                me = {"user_id": "UBOT", "team_id": "T1", "bot_id": "B1", "enterprise_id": "E1"}
                return 200, {"ok": True, **me}, {}
            if method in ("chat.postMessage", "chat.postEphemeral"):
                if body.get("channel") == "UGONE":
                    return 200, {"ok": False, "error": "user_not_found"}, {}
                self._ts += 1
                (self.posted if method == "chat.postMessage" else self.ephemeral).append(body)
                return (
                    200,
                    {"ok": True, "channel": body.get("channel"), "ts": f"{self._ts}.0001"},
                    {},
                )
            if method == "chat.update":
                self.updates.append(body)
                return 200, {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}, {}
            if method in ("views.open", "views.publish"):  # a modal, or a user's App Home
                view = body.get("view")
                view = json.loads(view) if isinstance(view, str) else view
                (self.opened if method == "views.open" else self.published).append(
                    {**body, "view": view}
                )
                return 200, {"ok": True, "view": {"id": f"V{len(self.calls)}", **view}}, {}
            if method == "apps.connections.open":
                return 200, {"ok": True, "url": self.socket_url}, {}
            if method == "conversations.open":
                return 200, {"ok": True, "channel": {"id": "D" + str(body.get("users", ""))}}, {}
            if method == "users.info" and body.get("user") in self.profiles_down:
                self.profiles_down[body["user"]] -= 1
                if not self.profiles_down[body["user"]]:
                    del self.profiles_down[body["user"]]
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
            if method == "users.info":
                user = body.get("user", "")
                default = {"id": user, "name": user.lower(), "tz": "UTC", "locale": "en-US"}
                return 200, {"ok": True, "user": self.people.get(user) or default}, {}
            return 200, {"ok": False, "error": "unknown_method"}, {}

    # -- files the bot uploads: files_upload_v2's three steps ----------------------------------

    def receive(self, file_id: str, data: bytes) -> int:
        """The POST of a file's bytes to the upload_url getUploadURLExternal handed out."""
        with self.lock:
            self.calls.append(("upload", {"file_id": file_id, "size": len(data)}))
            upload = self.uploads.get(file_id)
            if upload is None or upload["length"] != len(data):
                return 400
            upload["data"] = data
            return 200

    def complete(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        """files.completeUploadExternal: each uploaded file becomes visible in the channel."""
        channel = body.get("channel_id") or ""
        if channel in ("CGONE", "DUGONE"):
            return 200, {"ok": False, "error": "channel_not_found"}, {}
        if channel.startswith("COUT"):
            return 200, {"ok": False, "error": "not_in_channel"}, {}
        done = []
        for f in json.loads(body.get("files") or "[]"):
            upload = self.uploads.get(f.get("id", ""))
            if upload is None or upload["data"] is None:
                return 200, {"ok": False, "error": "file_not_found"}, {}
            self.shared.append(
                {
                    "file_id": f["id"],
                    "title": f.get("title"),
                    "channel": channel,
                    "thread_ts": body.get("thread_ts"),
                    "initial_comment": body.get("initial_comment"),
                    **upload,
                }
            )
            done.append({"id": f["id"], "title": f.get("title")})
        return 200, {"ok": True, "files": done}, {}

    # -- files shared with the bot: url_private_download ---------------------------------------

    def share(self, name: str, data: bytes, *, size: int | None = None) -> dict[str, Any]:
        """A file as a `file_share` message event carries it (its `files` array): the bytes are
        served at its url_private_download to a request with the bot token. `size`: what the
        event states, when a test wants it to lie."""
        with self.lock:
            file_id = f"F{len(self.files) + 1:08d}"
            self.files[file_id] = (name, data)
        return {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": "application/octet-stream",
            "filetype": name.rpartition(".")[2],
            "size": len(data) if size is None else size,
            "mode": "hosted",
            "url_private": f"{self.base}/files-pri/T1-{file_id}/{name}",
            "url_private_download": f"{self.base}/files-pri/T1-{file_id}/download/{name}",
        }

    def download(self, path: str, auth: str) -> tuple[int, dict[str, str], bytes]:
        """GET /files-pri/<team>-<file id>/[download/]<name>. Without a bot token Slack answers
        with its sign-in page (HTML, 200), not an error: that is what a client must notice."""
        with self.lock:
            self.downloads.append((path, auth))
            parts = path.split("/")
            found = None
            if len(parts) >= 4 and parts[1] == "files-pri":
                found = self.files.get(parts[2].rpartition("-")[2])
        if not auth.startswith("Bearer xoxb-"):
            page = b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>"
            return 200, {"Content-Type": "text/html", "Content-Length": str(len(page))}, page
        if found is None:
            return 404, {"Content-Type": "text/plain", "Content-Length": "9"}, b"not found"
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
