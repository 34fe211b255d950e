"""Sending to Slack, with outcomes the outbox understands: a reply to a slash command or a
click goes to its response_url while that still works, everything else through the Web API
(adapters/slack/client.py); an attachment is a file share (adapters/slack/upload.py)."""

from __future__ import annotations

import urllib.error
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from adapters.slack import client as api
from adapters.slack import render, upload
from bot.delivery import Capabilities, Delivery, RetryLater, Sender, TargetKind

RESPONSE_URL_LIFETIME = timedelta(minutes=29)  # Slack's is 30; a minute spare for the send


class SlackSender(Sender):
    platform = "slack"
    capabilities = Capabilities(ephemeral=True, update=True, threads=True, page=True)
    min_interval = 1.0  # chat.postMessage: about one message per second per channel

    def __init__(
        self,
        *,
        token: str = "",
        base_url: str = "",
        timeout: float = 10,
        min_interval: float | None = None,
        client: WebClient | None = None,
    ) -> None:
        self.client = client or api.build(token=token, base_url=base_url, timeout=timeout)
        self.timeout = timeout
        if min_interval is not None:
            self.min_interval = min_interval

    def pace_key(self, delivery: Delivery) -> str | None:
        """The conversation Slack's ~1 message/s applies to; a response_url is not paced."""
        if delivery.message.page:  # views.publish: not a message in a conversation
            return None
        if self._response_url(delivery) and delivery.message.attachment is None:
            return None
        return delivery.target_id

    @staticmethod
    def _response_url(delivery: Delivery) -> str:
        """The reply's response_url while it can still work: Slack honours one for 30 minutes
        (a backlog after an outage outlives it), and one that failed twice (an address that no
        longer answers) is given up for the Web API rather than retried for the whole backoff."""
        replying = delivery.kind in (TargetKind.CHANNEL, TargetKind.EPHEMERAL)
        if not (replying and delivery.reply and delivery.reply.token):
            return ""
        return delivery.reply.token if delivery.reply_address_usable(RESPONSE_URL_LIFETIME) else ""

    def send(self, delivery: Delivery) -> str:
        if delivery.message.page:  # the person's Home tab, published again
            user = delivery.reply.user_id if delivery.reply else delivery.target_id
            view = render.home(delivery.message.page)
            api.call(lambda: self.client.views_publish(user_id=user, view=view))
            return f"home:{user}"
        if delivery.message.attachment is not None:  # a file share: its own path
            return upload.send(self.client, delivery, delivery.message.attachment)
        kind, reply = delivery.kind, delivery.reply
        body = render.message(delivery.message)
        thread = {"thread_ts": reply.thread} if reply and reply.thread else {}
        # a slash command's or a click's own reply goes to its response_url, which works even
        # where the bot is no member; a spent URL falls back to the Web API below
        url = self._response_url(delivery)
        if url and self._respond(url, body, ephemeral=kind is TargetKind.EPHEMERAL):
            return f"{delivery.target_id}:response"
        if kind is TargetKind.UPDATE and reply and reply.card_message:
            channel, _, ts = reply.card_message.partition(":")
            note = render.clicked(delivery.clicked_by, delivery.clicked_at)
            blocks = body["blocks"] + [note]
            call: Callable[[], Any] = lambda: self.client.chat_update(
                channel=channel, ts=ts, text=body["text"], blocks=blocks
            )
        elif kind is TargetKind.EPHEMERAL and reply:
            call = lambda: self.client.chat_postEphemeral(
                channel=delivery.target_id, user=reply.user_id, **body, **thread
            )
        else:  # person (their DM, by user id) or channel
            call = lambda: self.client.chat_postMessage(
                channel=delivery.target_id, **body, **thread
            )
        resp = api.call(call)
        return f"{resp.get('channel', delivery.target_id)}:{resp.get('ts') or resp.get('message_ts', '')}"

    def _respond(self, url: str, body: dict[str, Any], *, ephemeral: bool) -> bool:
        """True when Slack took it; False when the URL is spent (then use the Web API)."""
        try:
            resp = WebhookClient(url, timeout=int(max(self.timeout, 1))).send(
                text=body["text"],
                blocks=body["blocks"],
                replace_original=False,
                response_type="ephemeral" if ephemeral else "in_channel",
            )
        except (TimeoutError, urllib.error.URLError, ConnectionError) as e:
            raise RetryLater(f"slack response_url unreachable: {e.__class__.__name__}") from None
        if resp.status_code == 429 or resp.status_code >= 500:
            raise RetryLater(f"slack response_url {resp.status_code}")
        return resp.status_code == 200
