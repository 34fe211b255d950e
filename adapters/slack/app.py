"""dealbot on Slack: slack-bolt receives (HTTP or Socket Mode), acknowledges at once, and hands
the work to a thread pool; replies leave through the outbox.

The edge does what must happen before the ack — signature, well-formed body — and nothing that
can be slow: users.info, the database and the handler all run after it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.slack import parse, render
from bot.handler import Bot
from bot.outcome import Outcome

logger = logging.getLogger(__name__)

IGNORED_SUBTYPES = {"message_changed", "message_deleted", "bot_message", "channel_join",
                    "channel_leave", "channel_topic", "channel_purpose", "channel_name"}  # fmt: skip
USER_TTL = 3600.0


def locale_of(slack_locale: str | None) -> str | None:
    if not slack_locale:
        return None
    return "zh_CN" if slack_locale.lower().startswith("zh") else "en"


class SlackAdapter:
    def __init__(
        self,
        *,
        bot: Bot,
        token: str,
        signing_secret: str,
        api_base_url: str,
        app_token: str | None = None,
        wake: Callable[[], None] = lambda: None,
        count: Callable[[str], None] = lambda outcome: None,
        workers: int = 8,
    ) -> None:
        if not signing_secret:
            raise ValueError("slack.signing_secret is required: requests cannot be verified")
        self.bot = bot
        self.wake = wake
        self.count = count
        self.app_token = app_token
        self.client = WebClient(
            token=token,
            base_url=api_base_url,
            timeout=10,
            retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2)],
        )
        self.verifier = SignatureVerifier(signing_secret)
        self.app = App(
            client=self.client,
            signing_secret=signing_secret,
            token_verification_enabled=False,
            process_before_response=False,
        )
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack")
        self._users: dict[tuple[str, str], tuple[float, parse.User]] = {}
        self._identity: dict[str, str] = {}
        self._lock = threading.Lock()
        self._socket: Any = None
        self.app.command(re.compile(r"^/.+"))(self._on_command)
        self.app.event("app_mention")(self._on_event)
        self.app.event("message")(self._on_event)
        self.app.action(re.compile(r".+"))(self._on_action)

    # --- the edge: acknowledge first, work later ---------------------------------------

    def routes(self) -> list[Route]:
        return [Route("/slack/events", self.http, methods=["POST"])]

    async def http(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            text = body.decode()
        except UnicodeDecodeError:  # Slack sends UTF-8; this cannot be from Slack
            self.count("malformed")
            return JSONResponse({"error": "malformed body"}, status_code=400)
        if not self._verified(text, headers):
            self.count("rejected")
            return JSONResponse({"error": "invalid request"}, status_code=401)
        if not well_formed(body, headers.get("content-type", "")):
            self.count("malformed")
            return JSONResponse({"error": "malformed body"}, status_code=400)
        bolt_request = BoltRequest(body=text, query=dict(request.query_params), headers=headers)
        response = await run_in_threadpool(self.app.dispatch, bolt_request)
        return to_starlette_response(response)

    def _verified(self, body: str, headers: dict[str, str]) -> bool:
        try:
            return self.verifier.is_valid_request(body, headers)
        except ValueError:  # a timestamp header that is not a number
            return False

    def _on_command(self, ack: Callable[..., None], body: dict[str, Any]) -> None:
        ack()
        self.pool.submit(self._guard, self._command, body)

    def _on_event(self, ack: Callable[..., None], body: dict[str, Any]) -> None:
        ack()
        ev = body.get("event") or {}
        if ev.get("subtype") in IGNORED_SUBTYPES or ev.get("bot_id") or not ev.get("user"):
            return
        self.pool.submit(self._guard, self._message, body)

    def _on_action(self, ack: Callable[..., None], body: dict[str, Any]) -> None:
        ack()
        self.pool.submit(self._guard, self._action, body)

    # --- after the ack ------------------------------------------------------------------

    def _guard(self, work: Callable[[dict[str, Any]], None], body: dict[str, Any]) -> None:
        try:
            work(body)
        except Exception:  # logged with context; the user was already answered by the ack
            logger.exception("slack: handling a %s failed", work.__name__.strip("_"))
            self.count("failed")

    def _command(self, body: dict[str, Any]) -> None:
        team = body.get("team_id", "")
        users = parse.user_ids(body.get("text", ""))
        event = parse.command(
            body,
            self.user(team, body.get("user_id", "")),
            self.users(team, users),
            datetime.now(UTC),
        )
        self._handle(event)

    def _message(self, body: dict[str, Any]) -> None:
        team = body.get("team_id", "")
        ev = body["event"]
        bot_user = self.identity().get("user_id", "")
        users = parse.user_ids(ev.get("text", ""))
        event = parse.message(
            body, self.user(team, ev.get("user", "")), self.users(team, users), bot_user, team
        )
        if event.addressed or not event.text.startswith("/"):
            self._handle(event)

    def _action(self, body: dict[str, Any]) -> None:
        team = (body.get("team") or {}).get("id", "")
        user = (body.get("user") or {}).get("id", "")
        self._handle(parse.action(body, self.user(team, user), datetime.now(UTC)))

    def _handle(self, event: Any) -> None:
        outcome = self.bot.handle(event)
        if outcome.replies and not outcome.queued:
            self._reply_now(event, outcome)  # the store failed: answer directly, best effort
        self.count("handled" if outcome.replies or outcome.updates or outcome.pushes else "quiet")
        self.wake()

    def _reply_now(self, event: Any, outcome: Outcome) -> None:
        for reply in outcome.replies:
            body = render.message(reply.message)
            try:
                self.client.chat_postEphemeral(channel=event.channel_id, user=event.user_id, **body)
            except SlackApiError as e:
                logger.warning("slack: could not post an error reply: %s", e.response.get("error"))

    # --- people -------------------------------------------------------------------------

    def identity(self) -> dict[str, str]:
        """The bot's own user and team (auth.test), asked once."""
        if not self._identity:
            resp = self.client.auth_test()
            self._identity = {
                "user_id": resp.get("user_id", ""),
                "team_id": resp.get("team_id", ""),
            }
        return self._identity

    def user(self, team: str, user_id: str) -> parse.User:
        """Name, zone and language from users.info on first sight, cached for an hour."""
        key = (team, user_id)
        with self._lock:
            hit = self._users.get(key)
        if hit and time.monotonic() - hit[0] < USER_TTL:
            return hit[1]
        try:
            info = self.client.users_info(user=user_id, include_locale=True).get("user") or {}
        except SlackApiError as e:
            logger.info("slack: users.info %s failed: %s", user_id, e.response.get("error"))
            info = {}
        profile = info.get("profile") or {}
        user = parse.User(
            id=user_id,
            name=profile.get("display_name")
            or info.get("real_name")
            or info.get("name")
            or user_id,
            tz=info.get("tz"),
            locale=locale_of(info.get("locale")),
        )
        with self._lock:
            self._users[key] = (time.monotonic(), user)
        return user

    def users(self, team: str, ids: list[str]) -> dict[str, parse.User]:
        return {uid: self.user(team, uid) for uid in dict.fromkeys(ids)}

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        try:
            self.identity()
        except Exception as e:  # noqa: BLE001 - asked again on the first message
            logger.warning("slack: auth.test failed at start: %s", e.__class__.__name__)
        if self.app_token:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            self._socket = SocketModeHandler(
                self.app, app_token=self.app_token, web_client=self.client
            )
            self._socket.connect()
            logger.info("slack: socket mode connected")

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self.pool.shutdown(wait=True)


def well_formed(body: bytes, content_type: str) -> bool:
    """Slack sends JSON (events) or a form (commands; interactivity as payload=<JSON>)."""
    try:
        text = body.decode()
        if "json" in content_type:
            return isinstance(json.loads(text), dict)
        form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
        if "payload" in form:
            return isinstance(json.loads(form["payload"]), dict)
        return bool(form)
    except (UnicodeDecodeError, ValueError):
        return False
