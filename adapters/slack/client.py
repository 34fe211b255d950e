"""Sending to Slack through slack_sdk's WebClient, with outcomes the outbox understands."""

from __future__ import annotations

import logging
import urllib.error

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.slack import render
from bot.delivery import Delivery, RetryLater, Undeliverable

logger = logging.getLogger(__name__)

# errors that no retry will fix
PERMANENT = {
    "channel_not_found", "user_not_found", "is_archived", "not_in_channel", "account_inactive",
    "invalid_auth", "not_authed", "token_revoked", "msg_too_long", "no_text", "invalid_blocks",
    "cannot_dm_bot", "user_disabled",
}  # fmt: skip


class SlackSender:
    platform = "slack"
    min_interval = 1.0  # chat.postMessage: about one message per second per channel

    def __init__(
        self, *, token: str, base_url: str, timeout: float = 10, min_interval: float | None = None
    ) -> None:
        # retries belong to the outbox (durable, with backoff); the client makes one attempt
        self.client = WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])
        if min_interval is not None:
            self.min_interval = min_interval

    def send(self, delivery: Delivery) -> str:
        try:
            resp = self.client.chat_postMessage(
                channel=delivery.target_id, **render.message(delivery.message)
            )
        except SlackApiError as e:
            status = e.response.status_code
            error = (
                (e.response.data or {}).get("error", "")
                if isinstance(e.response.data, dict)
                else ""
            )
            if status == 429 or error == "ratelimited":
                after = e.response.headers.get("Retry-After") or e.response.headers.get(
                    "retry-after"
                )
                raise RetryLater(
                    "slack rate limited", after=float(after) if after else None
                ) from None
            if status >= 500 or error in (
                "internal_error",
                "fatal_error",
                "service_unavailable",
                "request_timeout",
            ):
                raise RetryLater(f"slack {status} {error}".strip()) from None
            if error in PERMANENT:
                raise Undeliverable(f"slack: {error}") from None
            raise RetryLater(f"slack {status} {error}".strip()) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError) as e:
            raise RetryLater(f"slack unreachable: {e.__class__.__name__}") from None
        return f"{resp.get('channel')}:{resp.get('ts')}"
