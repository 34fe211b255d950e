"""dealbot on Slack, over HTTP (`POST /slack/events`) or Socket Mode, with slack_sdk.

The edge verifies the signature once, checks the shape once, answers the URL handshake, drops
our own messages, and stores the delivery in the inbox before answering; everything slow
(users.info, the database, the handler) happens after, from the inbox. Slack's Bolt framework
acks first and keeps the work in memory, which is exactly what must not happen here, so the
edge is built on slack_sdk's own parts (SignatureVerifier, SocketModeClient, WebClient).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import httpx
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from adapters.edge import (
    HttpEdge,
    Incoming,
    ProfileCache,
    Refused,
    Step,
    Verified,
    persist_now,
    receive,
)
from adapters.ingress import Verdict
from adapters.platform import Platform, Services, named_value, url_form
from adapters.slack import client as api
from adapters.slack import download, edge, parse, shortcut
from adapters.slack.config import SlackSection
from adapters.slack.sender import SlackSender
from bot.events import Event, Upload
from bot.i18n import spoken_locale
from bot.inbox import Claimed
from bot.intake import Malformed

logger = logging.getLogger(__name__)


def _utf8(body: bytes) -> bool:
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True


def locale_of(slack_locale: str | None) -> str | None:
    if not slack_locale:
        return None
    return "zh_CN" if slack_locale.lower().startswith("zh") else "en"


class SlackPlatform(Platform, HttpEdge[tuple[str, dict[str, Any]]]):
    name = "slack"
    deadline = 3.0

    def __init__(self, *, config: SlackSection, services: Services) -> None:
        super().__init__(config=config, services=services)
        # one client for both directions; it makes one attempt (retries are the outbox's and
        # the inbox's, durable and with backoff; a failed profile lookup is asked again later)
        self.client = api.build(
            token=config.bot_token.get_secret_value(), base_url=config.api_base_url, timeout=10
        )
        self.verifier = SignatureVerifier(config.signing_secret.get_secret_value())
        self.profiles: ProfileCache[parse.User] = ProfileCache(ttl=3600)
        self._home: parse.Home | None = None
        self._socket: Any = None
        self._sender = SlackSender(client=self.client)
        self._files = httpx.Client(timeout=30.0)  # downloads of files sent to the bot

    def sender(self) -> SlackSender:
        return self._sender

    def redactions(self) -> list[str]:
        # response_url is a capability: whoever holds it may post as the bot for 30 minutes.
        # Slack's are https://hooks.slack.com/commands/T…/…/… (a slash command) and
        # …/actions/T…/…/… (a click); a test server's are …/response/<key>
        return [
            url_form(r"https?://hooks\.slack(?:-gov)?\.com/"),
            url_form(r"https?://[^\s\"'<>&]+?/(?:commands|actions|response)/"),
            named_value("response_url"),
            r"xox[a-z]-[\w-]+",
            r"xapp-[\w-]+",
            r"Bearer\s+[\w.~+/=-]{8,}",
            named_value("ticket"),  # the Socket Mode URL: wss://…/link/?ticket=…
        ]

    # --- the edge -------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        return [Route("/slack/events", self.http, methods=["POST"])]

    async def http(self, request: Request) -> Response:
        return await receive(self, request)

    def verify(
        self, body: bytes, headers: dict[str, str], query: dict[str, str]
    ) -> Verified[tuple[str, dict[str, Any]]]:
        """What the body is (event, command, action) and its fields, parsed once."""
        if not _utf8(body):  # Slack sends UTF-8; this cannot be from Slack
            raise Refused(400, "malformed: not UTF-8")
        try:  # the SDK's check: 5-minute window, constant-time comparison
            ok = self.verifier.is_valid(
                body,
                headers.get("x-slack-request-timestamp", ""),
                headers.get("x-slack-signature", ""),
            )
        except (ValueError, TypeError):  # a timestamp header that is not a number
            ok = False
        if not ok:
            raise Refused(401, "invalid request")
        return Verified(edge.read_http(body, headers.get("content-type", "")))

    def classify(self, verified: Verified[tuple[str, dict[str, Any]]]) -> Incoming:
        kind, fields = verified.content
        return edge.classify(kind, fields, self._bot_user)

    def unsaved(self, incoming: Incoming, verdict: Verdict) -> Response:
        if incoming.waiting:  # a person is waiting: tell them, with their line
            return JSONResponse(
                {"response_type": "ephemeral", "text": self._not_saved(incoming, verdict)}
            )
        # events and clicks: a 5xx makes Slack retry the event (and mark a button failed)
        return JSONResponse({"error": verdict.value}, status_code=503)

    def _not_saved(self, incoming: Incoming, verdict: Verdict) -> str:
        locale = spoken_locale(incoming.text) or self.services.locale
        key = "errors.busy" if verdict is Verdict.BUSY else "errors.not_saved"
        return self.services.words(locale, key, text=incoming.text)

    # --- Socket Mode ----------------------------------------------------------------------

    def start(self) -> None:
        try:
            self.home()
        except Exception as e:  # noqa: BLE001 - asked again when a message needs it
            logger.warning("slack: auth.test failed at start: %s", e.__class__.__name__)
        if self.config.app_token is None:
            return
        from slack_sdk.socket_mode import SocketModeClient

        self._socket = SocketModeClient(
            app_token=self.config.app_token.get_secret_value(), web_client=self.client
        )
        self._socket.socket_mode_request_listeners.append(self._on_socket)
        self._socket.connect()
        logger.info("slack: socket mode connected")

    def _on_socket(self, client: Any, req: Any) -> None:
        from slack_sdk.socket_mode.response import SocketModeResponse

        kind = {"events_api": "event", "slash_commands": "command", "interactive": "action"}.get(
            req.type
        )
        if kind is None or not isinstance(req.payload, dict):
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        try:
            incoming = edge.classify(kind, req.payload, self._bot_user)
        except Refused as e:
            logger.warning("slack: malformed socket envelope refused: %s", e.reason)
            self.services.count(self.name, "malformed")
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        if incoming.step is not Step.DELIVER:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        verdict = persist_now(self.name, self.deadline, self.services, incoming)
        if verdict.stored or verdict is Verdict.REFUSED:  # refused: Slack's resends would be too
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
        elif incoming.waiting:
            text = self._not_saved(incoming, verdict)
            client.send_socket_mode_response(
                SocketModeResponse(
                    envelope_id=req.envelope_id,
                    payload={"response_type": "ephemeral", "text": text},
                )
            )
        # an event not stored is not acked: Slack sends it again

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self._files.close()

    # --- after the answer -----------------------------------------------------------------

    def read(self, row: Claimed) -> Event | None:
        kind, body = row.payload.get("kind"), row.payload.get("body")
        if not isinstance(body, dict):
            raise Malformed("no body")
        team = row.workspace
        if kind == "command":
            users = parse.user_ids(body.get("text", ""))
            return parse.command(
                body,
                self.user(team, body["user_id"]),
                self.users(team, users),
                row.received_at,
                self.home(),
                self.config.core_command,
            )
        if kind == "event":
            ev = body["event"]
            if ev.get("type") == "app_home_opened":
                user = self.user(team, ev["user"])
                return parse.home_opened(body, user, row.received_at, self.home())
            users = parse.user_ids(ev.get("text", ""))
            event = parse.message(
                body, self.user(team, ev["user"]), self.users(team, users), self.home()
            )
            shared = download.shared_file(ev)
            if event is None or shared is None or not event.addressed or event.from_other_org:
                return event  # a file overheard in a channel is not ours to fetch
            return replace(event, upload=self.fetch(shared))
        if kind == "action":
            user = self.user(team, body["user"]["id"])
            return parse.action(body, user, row.received_at, self.home())
        if kind == "message_action":  # its trigger_id lasts 3 s: the modal opens now
            self.open_log_modal(team, body)
            return None
        if kind == "view_submission":
            user = self.user(team, body["user"]["id"])
            return shortcut.submission(body, user, row.received_at, self.home())
        raise Malformed(f"unknown kind {kind!r}")

    def open_log_modal(self, team: str, body: dict[str, Any]) -> None:
        """views.open for "Log to a customer", in the person's language. Once only: a second
        try would come after the trigger_id expired, so a failure is logged, not retried."""
        locale = self.user(team, body["user"]["id"]).locale or self.services.locale

        def say(key: str, **params: Any) -> str:
            return self.services.words(locale, f"shortcut.{key}", **params)

        try:
            self.client.views_open(trigger_id=body["trigger_id"], view=shortcut.modal(body, say))
        except SlackApiError as e:
            logger.warning("slack: views.open failed: %s", e.response.get("error"))
        except OSError as e:
            logger.warning("slack: views.open unreachable: %s", e.__class__.__name__)

    def fetch(self, file: dict[str, Any]) -> Upload:
        """A file sent to the bot (a DM, or a message that @-mentions it), downloaded."""
        token = self.config.bot_token.get_secret_value()
        return download.fetch(self._files, token, self.config.api_base_url, file)

    @property
    def _bot_user(self) -> str:
        return self._home.bot_user if self._home else ""

    def home(self) -> parse.Home:
        """Who we are (auth.test), asked once; a failure is asked again by the next event."""
        if self._home is None:
            me = self.client.auth_test()
            self._home = parse.Home(
                bot_user=me.get("user_id", ""),
                team=me.get("team_id", ""),
                enterprise=me.get("enterprise_id") or None,
            )
        return self._home

    def user(self, team: str, user_id: str) -> parse.User:
        """Name, zone and language from users.info, cached for an hour; a failed lookup is
        not cached (the next event asks again) and meanwhile the tenant's zone applies."""
        try:
            return self.profiles.get((team, user_id), lambda: self._lookup(user_id))
        except SlackApiError as e:
            logger.info("slack: users.info failed: %s", e.response.get("error"))
        except OSError as e:
            logger.info("slack: users.info unreachable: %s", e.__class__.__name__)
        return parse.User(id=user_id, name=user_id, known=False)

    def _lookup(self, user_id: str) -> parse.User:
        info = self.client.users_info(user=user_id, include_locale=True).get("user") or {}
        profile = info.get("profile") or {}
        return parse.User(
            id=user_id,
            name=profile.get("display_name")
            or info.get("real_name")
            or info.get("name")
            or user_id,
            tz=info.get("tz"),
            locale=locale_of(info.get("locale")),
            team=info.get("team_id") or None,
            enterprise=(info.get("enterprise_user") or {}).get("enterprise_id") or None,
        )

    def users(self, team: str, ids: list[str]) -> dict[str, parse.User]:
        return {uid: self.user(team, uid) for uid in dict.fromkeys(ids)}
