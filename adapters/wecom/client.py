"""WeCom's API: a small httpx client (WeCom has no official general SDK); the sender that uses
it is adapters/wecom/sender.py.

The access token is cached per corp and app, and fetched under a lock: gettoken is rate-limited
and every worker thread shares this one client. An answer that the token is invalid or expired
(40014, 42001, 42009 — WeCom uses all three) drops it, and the call is made once more. Busy
answers (45009, -1) and transport failures are left to the outbox, which retries with backoff.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from adapters.wecom.config import WecomSection
from bot.delivery import RetryLater, Undeliverable

EXPIRED = {40014, 42001, 42009}
BUSY = {45009, -1, 45033}  # frequency limits, "system busy"
PERMANENT = {
    81013,  # user, party and tag all invalid
    60111,
    60011,  # no such user / no privilege for the user
    40056,
    301002,  # invalid agentid
    45002,
    44004,  # content too long / empty
    40058,  # invalid parameter (a card WeCom cannot show)
    81017,  # the user is outside the app's visible range
    40004,
    40005,
    40006,  # media/upload: a type, a format or a size WeCom does not take
}


class WecomError(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(f"wecom errcode {code}: {msg}")
        self.code, self.msg = code, msg

    def outcome(self) -> Exception:
        if self.code in BUSY:
            return RetryLater(f"wecom busy ({self.code})", after=5.0)
        if self.code in PERMANENT:
            return Undeliverable(f"wecom: {self.code} {self.msg}"[:200])
        return RetryLater(f"wecom errcode {self.code}")


class Api:
    def __init__(self, config: WecomSection, *, timeout: float = 10.0) -> None:
        self.config = config
        self.http = httpx.Client(base_url=config.api_base_url, timeout=timeout)
        self._token = ""
        self._expires = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:  # one gettoken for every thread that needs one now
            if self._token and time.monotonic() < self._expires:
                return self._token
            data = self._get(
                "gettoken",
                {
                    "corpid": self.config.corp_id,
                    "corpsecret": self.config.secret.get_secret_value(),
                },
            )
            if data.get("errcode", 0) != 0 or not data.get("access_token"):
                raise RetryLater(f"wecom gettoken failed ({data.get('errcode')})")
            self._token = str(data["access_token"])
            # WeCom's tokens last 7200 s; take a new one 5 minutes before
            self._expires = time.monotonic() + max(int(data.get("expires_in") or 7200) - 300, 60)
            return self._token

    def forget(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = ""

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        return self._answer(lambda: self.http.get(path, params=params))

    @staticmethod
    def _answer(call: Callable[[], httpx.Response]) -> dict[str, Any]:
        try:
            resp = call()
        except httpx.HTTPError as e:
            raise RetryLater(f"wecom unreachable: {e.__class__.__name__}") from None
        if resp.status_code >= 500:
            raise RetryLater(f"wecom {resp.status_code}")
        try:
            data = resp.json()
        except ValueError:
            raise RetryLater(f"wecom answered {resp.status_code} without JSON") from None
        return data if isinstance(data, dict) else {}

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        """One API call with the token; an invalid token is dropped and the call made again
        once. Raises WecomError for WeCom's refusals, RetryLater for the rest. `timeout`: a
        shorter wait than the client's, for a call made while a transaction is open. `files`:
        a multipart body instead of JSON (field → (filename, bytes, content type))."""
        wait = self.http.timeout if timeout is None else httpx.Timeout(timeout)
        payload: dict[str, Any] = {"json": body} if files is None else {"files": files}
        for attempt in (1, 2):
            token = self.token()
            query = {"access_token": token} | (params or {})
            data = self._answer(
                lambda q=query: self.http.request(  # type: ignore[misc]
                    method, path, params=q, timeout=wait, **payload
                )
            )
            code = int(data.get("errcode") or 0)
            if code == 0:
                return data
            if code in EXPIRED and attempt == 1:
                self.forget(token)
                continue
            raise WecomError(code, str(data.get("errmsg") or ""))
        raise AssertionError("unreachable")

    def upload(self, kind: str, name: str, data: bytes) -> str:
        """media/upload (multipart, the field "media"; `name` is the name people see): a
        media_id, good for 3 days, so it is uploaded right before the message that uses it."""
        content_type = "image/png" if kind == "image" else "application/octet-stream"
        answer = self.call(
            "POST",
            "media/upload",
            params={"type": kind},
            files={"media": (name, data, content_type)},
        )
        return str(answer["media_id"])

    def close(self) -> None:
        self.http.close()
