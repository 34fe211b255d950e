"""Slack's Web API through slack_sdk: the one client (it makes one attempt: retries belong to
the outbox and the inbox, durable and with backoff), and Slack's failures as outcomes the
outbox understands. The sender that uses it is adapters/slack/sender.py."""

from __future__ import annotations

import urllib.error
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery import RetryLater, Undeliverable

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
    "missing_scope",  # e.g. files:write not granted: the app must be reinstalled
    "access_denied",
    "invalid_arguments",
}
TRANSIENT = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def build(*, token: str, base_url: str, timeout: float) -> WebClient:
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])


def call(make: Callable[[], Any]) -> Any:
    """One Web API call; Slack's refusals become Undeliverable or RetryLater."""
    try:
        return make()
    except SlackApiError as e:
        status = e.response.status_code
        data = e.response.data if isinstance(e.response.data, dict) else {}
        error = data.get("error", "")
        if status == 429 or error == "ratelimited":
            after = e.response.headers.get("Retry-After") or e.response.headers.get("retry-after")
            raise RetryLater("slack rate limited", after=float(after) if after else None) from None
        if error in PERMANENT:
            raise Undeliverable(f"slack: {error}") from None
        raise RetryLater(f"slack {status} {error}".strip()) from None
    except (TimeoutError, urllib.error.URLError, ConnectionError) as e:
        raise RetryLater(f"slack unreachable: {e.__class__.__name__}") from None
