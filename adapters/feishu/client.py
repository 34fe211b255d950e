"""Feishu's API through lark-oapi, with outcomes the outbox understands; the sender that uses
it is adapters/feishu/sender.py.

lark-oapi makes one attempt and has no retries (the outbox's are durable, with backoff), and it
caches the tenant token per process without ever dropping it: an expired token comes back as
code 99991663 in the body, so that answer evicts the cached token and the call is made once
more.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import lark_oapi as lark
import requests
from lark_oapi.core.exception import ObtainAccessTokenException
from lark_oapi.core.token.manager import TokenManager

from adapters.feishu.config import FeishuSection
from bot.delivery import RetryLater, Undeliverable

EXPIRED = {99991663, 99991664, 99991661}  # tenant token invalid / expired / missing
RATE = {99991400, 230020, 11232, 11233}  # app, chat and tenant frequency limits
PERMANENT = {
    230002,  # the bot is not in the chat
    230006,  # the bot ability is not enabled
    230013,  # the user is outside the app's availability
    230001,
    230025,
    230099,  # the content is invalid / too long / a card Feishu cannot show
    230031,  # a card older than 14 days cannot be updated
    232033,  # an external chat, and the app has no external sharing
    99991672,
    99991679,  # a permission (scope) the app lacks
}
TIMEOUT = 10.0


def build(config: FeishuSection, *, timeout: float = TIMEOUT) -> lark.Client:
    return (
        lark.Client.builder()
        .app_id(config.app_id)
        .app_secret(config.app_secret.get_secret_value())
        .domain(config.domain)
        .timeout(timeout)
        .log_level(lark.LogLevel.WARNING)
        .build()
    )


class FeishuError(Exception):
    def __init__(self, code: int | None, status: int, msg: str, after: float | None) -> None:
        super().__init__(f"feishu {status} code {code}: {msg}")
        self.code, self.status, self.msg, self.after = code, status, msg, after

    def outcome(self) -> Exception:
        if self.status == 429 or self.code in RATE:
            return RetryLater(f"feishu rate limited ({self.code})", after=self.after or 1.0)
        if self.status >= 500:
            return RetryLater(f"feishu {self.status} ({self.code})")
        if self.code in PERMANENT or 400 <= self.status < 500:
            return Undeliverable(f"feishu: {self.code} {self.msg}"[:200])
        return RetryLater(f"feishu code {self.code}")


class Api:
    """One lark client and the two rules every call follows: an expired token is refreshed and
    the call made once more; transport failures and Feishu's answers become FeishuError or
    RetryLater."""

    def __init__(self, client: lark.Client, app_id: str) -> None:
        self.client = client
        self.app_id = app_id

    def forget_token(self) -> None:
        # lark-oapi's per-process cache, under the key its TokenManager uses (pinned < 1.8)
        TokenManager.cache.set(f"self_tenant_token:{self.app_id}", "", 0)

    def call(self, make: Callable[[], Any]) -> Any:
        for attempt in (1, 2):
            try:
                resp = make()
            except ObtainAccessTokenException as e:
                raise RetryLater(f"feishu token not obtained ({e.code})") from None
            except (requests.RequestException, OSError) as e:
                raise RetryLater(f"feishu unreachable: {e.__class__.__name__}") from None
            except ValueError:  # a body that is not JSON (a proxy's error page)
                raise RetryLater("feishu answered something that is not JSON") from None
            code = resp.code
            if code == 0:
                return resp
            if code in EXPIRED and attempt == 1:
                self.forget_token()
                continue
            raw = resp.raw
            status = raw.status_code if raw is not None else 0
            headers = {k.lower(): v for k, v in (raw.headers if raw is not None else {}).items()}
            try:
                after = float(headers.get("x-ogw-ratelimit-reset", ""))
            except ValueError:
                after = None
            raise FeishuError(code, status, resp.msg or "", after)
        raise AssertionError("unreachable")

    def raw(
        self,
        method: lark.HttpMethod,
        uri: str,
        body: dict[str, Any] | None = None,
        queries: list[tuple[str, str]] | None = None,
    ) -> dict[str, Any]:
        """An API the typed client lacks; the answer's JSON."""
        builder = (
            lark.BaseRequest.builder()
            .http_method(method)
            .uri(uri)
            .token_types({lark.AccessTokenType.TENANT})
        )
        if body is not None:
            builder = builder.body(body)
        if queries:
            builder = builder.queries(queries)
        request = builder.build()
        resp = self.call(lambda: self.client.request(request))
        return json.loads(resp.raw.content or b"{}")
