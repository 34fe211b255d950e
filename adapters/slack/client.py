"""Sending to Slack through slack_sdk, with outcomes the outbox understands."""

from __future__ import annotations

import logging
import urllib.error
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from adapters.slack import render
from bot.delivery import Capabilities, Delivery, RetryLater, Sender, TargetKind, Undeliverable

logger = logging.getLogger(__name__)

# errors that no retry will fix
PERMANENT = {
    "channel_not_found",
    "user_not_found",
    "is_archived",
    "not_in_channel",
    "account_inactive",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "msg_too_long",
    "no_text",
    "invalid_blocks",
    "cannot_dm_bot",
    "user_disabled",
    "message_not_found",
    "cant_update_message",
}
TRANSIENT = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
RESPONSE_URL_LIFETIME = timedelta(minutes=29)  # Slack's is 30; a minute spare for the send


class SlackSender(Sender):
    platform = "slack"
    capabilities = Capabilities(ephemeral=True, update=True, threads=True)
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
        # retries belong to the outbox (durable, with backoff); the client makes one attempt
        self.client = client or WebClient(
            token=token, base_url=base_url, timeout=timeout, retry_handlers=[]
        )
        self.timeout = timeout
        if min_interval is not None:
            self.min_interval = min_interval

    def pace_key(self, delivery: Delivery) -> str | None:
        """The conversation Slack's ~1 message/s applies to; a response_url is not paced."""
        if self._response_url(delivery):
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
        resp = self._call(call)
        return f"{resp.get('channel', delivery.target_id)}:{resp.get('ts') or resp.get('message_ts', '')}"

    def _call(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except SlackApiError as e:
            status = e.response.status_code
            data = e.response.data if isinstance(e.response.data, dict) else {}
            error = data.get("error", "")
            if status == 429 or error == "ratelimited":
                after = e.response.headers.get("Retry-After") or e.response.headers.get(
                    "retry-after"
                )
                raise RetryLater(
                    "slack rate limited", after=float(after) if after else None
                ) from None
            if error in PERMANENT:
                raise Undeliverable(f"slack: {error}") from None
            raise RetryLater(f"slack {status} {error}".strip()) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError) as e:
            raise RetryLater(f"slack unreachable: {e.__class__.__name__}") from None

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
