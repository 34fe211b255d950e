"""Sending to Feishu, with outcomes the outbox understands. Every create carries the outbox
dedup key as Feishu's `uuid`: a send repeated after a crash between the send and its commit is
then shown at most once. An attachment is a file or a chart card (adapters/feishu/upload.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from datetime import datetime

import lark_oapi as lark
from lark_oapi.api.im.v1 import (
    CreateMessageRequest,
    CreateMessageRequestBody,
    PatchMessageRequest,
    PatchMessageRequestBody,
    ReplyMessageRequest,
    ReplyMessageRequestBody,
)

from adapters.feishu import render, upload
from adapters.feishu.client import Api, FeishuError
from bot.delivery import Capabilities, Delivery, Sender, TargetKind, Undeliverable

logger = logging.getLogger(__name__)


def uuid_for(dedup_key: str) -> str:
    """Feishu's idempotency key (≤ 50 characters): the same for the same outbox row."""
    return hashlib.sha256(dedup_key.encode()).hexdigest()[:40]


def _ms(iso: str) -> int | None:
    try:
        return int(datetime.fromisoformat(iso).timestamp() * 1000) if iso else None
    except ValueError:
        return None


def _as_post(delivery: Delivery) -> Delivery:
    """An attachment is a message of its own: a file (or a chart's card) cannot be shown to one
    person in a group nor patched into a card, so a private one goes to the person's chat with
    the bot, and an update is posted in the conversation."""
    reply = delivery.reply
    if delivery.kind is TargetKind.EPHEMERAL and reply:
        return replace(delivery, kind=TargetKind.PERSON, target_id=reply.user_id)
    if delivery.kind is TargetKind.UPDATE and reply and reply.conversation:
        return replace(delivery, kind=TargetKind.CHANNEL, target_id=reply.conversation)
    return delivery


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
        if delivery.message.attachment is not None:
            delivery = _as_post(delivery)
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
        attachment = delivery.message.attachment
        if attachment is not None:  # uploaded here: right before the message that shows it
            return upload.content(self.api, delivery, attachment)
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
