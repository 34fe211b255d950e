"""Sending to Feishu through lark-oapi, with outcomes the outbox understands.

lark-oapi makes one attempt and has no retries (the outbox's are durable, with backoff), and it
caches the tenant token per process without ever dropping it: an expired token comes back as
code 99991663 in the body, so that answer evicts the cached token and the call is made once
more. Every create carries the outbox dedup key as Feishu's `uuid`: a send repeated after a
crash between the send and its commit is then shown at most once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import lark_oapi as lark
import requests
from lark_oapi.api.im.v1 import (
    CreateMessageRequest,
    CreateMessageRequestBody,
    PatchMessageRequest,
    PatchMessageRequestBody,
    ReplyMessageRequest,
    ReplyMessageRequestBody,
)
from lark_oapi.core.exception import ObtainAccessTokenException
from lark_oapi.core.token.manager import TokenManager

from adapters.feishu import render
from adapters.feishu.config import FeishuSection
from bot.delivery import Capabilities, Delivery, RetryLater, Sender, TargetKind, Undeliverable

logger = logging.getLogger(__name__)

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


def uuid_for(dedup_key: str) -> str:
    """Feishu's idempotency key (≤ 50 characters): the same for the same outbox row."""
    return hashlib.sha256(dedup_key.encode()).hexdigest()[:40]


def _ms(iso: str) -> int | None:
    try:
        return int(datetime.fromisoformat(iso).timestamp() * 1000) if iso else None
    except ValueError:
        return None


class FeishuSender(Sender):
    platform = "feishu"
    capabilities = Capabilities(ephemeral=True, update=True, threads=True, idempotency_key=True)
    min_interval = 0.2  # 5 messages a second per chat, shared with every bot in it

    def __init__(self, api: Api, *, min_interval: float | None = None) -> None:
        self.api = api
        if min_interval is not None:
            self.min_interval = min_interval

    def pace_key(self, delivery: Delivery) -> str | None:
        reply = delivery.reply
        if delivery.kind in (TargetKind.EPHEMERAL, TargetKind.UPDATE) and reply:
            return reply.conversation or delivery.target_id
        return delivery.target_id

    def send(self, delivery: Delivery) -> str:
        try:
            return self._send(delivery)
        except FeishuError as e:
            raise e.outcome() from None

    def _send(self, delivery: Delivery) -> str:
        kind, reply = delivery.kind, delivery.reply
        if kind is TargetKind.UPDATE and reply and reply.card_message:
            try:
                return self._patch(delivery, reply.card_message)
            except FeishuError as e:
                if not isinstance(e.outcome(), Undeliverable) or not reply.conversation:
                    raise
                # too old, or not ours to patch: show the new card as a new message
                logger.info("feishu: card not updated (%s), sent anew", e.code)
                return self._create("chat_id", reply.conversation, delivery)
        if kind is TargetKind.EPHEMERAL and reply and reply.card_message and not reply.thread:
            return self._to_clicker(delivery)
        if kind is TargetKind.EPHEMERAL and reply and reply.thread:
            try:
                return self._ephemeral(delivery)
            except FeishuError as e:
                if not isinstance(e.outcome(), Undeliverable):
                    raise
                # a topic group or a chat where it is not allowed: an ordinary reply instead
                logger.info("feishu: ephemeral refused (%s), replied instead", e.code)
                return self._reply(reply.thread, delivery)
        if kind in (TargetKind.CHANNEL, TargetKind.EPHEMERAL) and reply and reply.thread:
            return self._reply(reply.thread, delivery)
        if kind is TargetKind.PERSON:
            return self._create("open_id", delivery.target_id, delivery)
        return self._create(
            "chat_id", reply.conversation if reply else delivery.target_id, delivery
        )

    def _content(self, delivery: Delivery) -> tuple[str, str]:
        msg_type, content = render.message(delivery.message)
        return msg_type, json.dumps(content, ensure_ascii=False)

    def _create(self, id_type: str, receive_id: str, delivery: Delivery) -> str:
        msg_type, content = self._content(delivery)
        body = (
            CreateMessageRequestBody.builder()
            .receive_id(receive_id)
            .msg_type(msg_type)
            .content(content)
            .uuid(uuid_for(delivery.dedup_key))
            .build()
        )
        request = CreateMessageRequest.builder().receive_id_type(id_type).request_body(body).build()
        resp = self.api.call(lambda: self.api.client.im.v1.message.create(request))
        return resp.data.message_id

    def _reply(self, message_id: str, delivery: Delivery) -> str:
        msg_type, content = self._content(delivery)
        body = (
            ReplyMessageRequestBody.builder()
            .msg_type(msg_type)
            .content(content)
            .reply_in_thread(False)
            .uuid(uuid_for(delivery.dedup_key))
            .build()
        )
        request = ReplyMessageRequest.builder().message_id(message_id).request_body(body).build()
        resp = self.api.call(lambda: self.api.client.im.v1.message.reply(request))
        return resp.data.message_id

    def _patch(self, delivery: Delivery, message_id: str) -> str:
        card = delivery.message.card
        if card is None:  # an update always carries a card; a text is sent as a new message
            raise FeishuError(230001, 400, "update without a card", None)
        content = render.card(
            card,
            text=delivery.message.text,
            clicked=delivery.clicked_by,
            clicked_at_ms=_ms(delivery.clicked_at),
        )
        body = (
            PatchMessageRequestBody.builder()
            .content(json.dumps(content, ensure_ascii=False))
            .build()
        )
        request = PatchMessageRequest.builder().message_id(message_id).request_body(body).build()
        self.api.call(lambda: self.api.client.im.v1.message.patch(request))
        return message_id

    def _to_clicker(self, delivery: Delivery) -> str:
        """A private answer to a click (a refusal: "you are not one of the confirmers"): a card
        only the clicker sees, in the chat of the card; where Feishu shows none (a chat of one
        person with the bot, a topic group: 230001), a direct message. Never the group's."""
        reply = delivery.reply
        assert reply is not None
        if reply.conversation:
            try:
                return self._ephemeral(delivery)
            except FeishuError as e:
                if not isinstance(e.outcome(), Undeliverable):
                    raise
                logger.info("feishu: ephemeral refused (%s), sent directly instead", e.code)
        return self._create("open_id", reply.user_id, delivery)

    def _ephemeral(self, delivery: Delivery) -> str:
        assert delivery.reply is not None
        answer = self.api.raw(
            lark.HttpMethod.POST,
            "/open-apis/ephemeral/v1/send",
            {
                "chat_id": delivery.reply.conversation,
                "open_id": delivery.reply.user_id,
                "msg_type": "interactive",
                "card": render.ephemeral_card(delivery.message),
            },
        )
        return str((answer.get("data") or {}).get("message_id") or "ephemeral")
