"""dealbot on Feishu (Lark), over a webhook (`POST /feishu/events`) or the long connection,
with lark-oapi.

The edge opens and verifies what arrives (adapters/feishu/edge.py), stores it in the inbox and
only then answers; profiles, the database and the handler come after, from the inbox. Card
clicks are answered with an empty callback response once stored; the card itself is updated
by the outbox (PATCH), like every other answer.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx
import lark_oapi as lark
from lark_oapi.api.contact.v3 import GetUserRequest
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
from adapters.feishu import client as api
from adapters.feishu import download, edge, parse
from adapters.feishu.config import FeishuSection
from adapters.feishu.longconn import LongConnection
from adapters.feishu.sender import FeishuSender
from adapters.ingress import Verdict
from adapters.platform import Platform, Services, named_value
from bot.delivery import RetryLater
from bot.events import Event, Upload
from bot.inbox import Claimed
from bot.intake import Malformed

logger = logging.getLogger(__name__)

CHINA = "Asia/Shanghai"
DENIED = {99991672, 99991679, 40004, 41050}  # no contact scope, or the user is out of range


class FeishuPlatform(Platform, HttpEdge[dict[str, Any]]):
    name = "feishu"
    deadline = 3.0

    def __init__(self, *, config: FeishuSection, services: Services) -> None:
        super().__init__(config=config, services=services)
        self.api = api.Api(api.build(config), config.app_id)
        self._sender = FeishuSender(self.api)
        self._files = httpx.Client(timeout=30.0)  # downloads of files sent to the bot
        self.profiles: ProfileCache[parse.User] = ProfileCache(ttl=3600)
        self._bot: str = ""
        self._long: LongConnection | None = None
        # a tenant on Feishu's China domain works in China; Lark's may be anywhere
        host = urlsplit(config.domain).hostname or ""
        self.zone = None if host.endswith("larksuite.com") else CHINA

    def sender(self) -> FeishuSender:
        return self._sender

    def redactions(self) -> list[str]:
        # tenant_access_token t-…, app_access_token a-… (or t-…), user_access_token u-… and its
        # refresh token ur-…, a card callback's update token c-… (30 minutes, 2 updates); the
        # newer OAuth tokens are JWTs; the long connection's URL carries a ticket and a key
        return [
            r"\b(?:t|a|u|ur|c)-[0-9a-zA-Z_]{20,}",
            r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*",
            r"Bearer\s+[\w.~+/=-]{8,}",
            named_value(
                r"\w*access_token",
                "refresh_token",
                r"app_?secret",
                r"encrypt_?key",
                "ticket",
                "access_key",
            ),
        ]

    # --- the webhook ----------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        if self.config.mode != "webhook":
            return []
        return [Route("/feishu/events", self.http, methods=["POST"])]

    async def http(self, request: Request) -> Response:
        return await receive(self, request)

    def _secrets(self) -> tuple[str, str]:
        key, token = self.config.encrypt_key, self.config.verification_token
        return (key.get_secret_value() if key else "", token.get_secret_value() if token else "")

    def verify(
        self, body: bytes, headers: dict[str, str], query: dict[str, str]
    ) -> Verified[dict[str, Any]]:
        """The event, decrypted and parsed once."""
        key, token = self._secrets()
        return Verified(edge.verify(body, headers, encrypt_key=key, token=token))

    def classify(self, verified: Verified[dict[str, Any]]) -> Incoming:
        return edge.classify(verified.content)

    def unsaved(self, incoming: Incoming, verdict: Verdict) -> Response:
        if incoming.waiting:  # a click: Feishu does not send it again, so say so in a toast
            return JSONResponse(self._toast_unsaved(verdict))
        # a message: a 5xx makes Feishu send it again (after 15 s, 5 min, 1 h, 6 h)
        return JSONResponse({"error": verdict.value}, status_code=503)

    def _toast_unsaved(self, verdict: Verdict) -> dict[str, Any]:
        key = "errors.click_busy" if verdict is Verdict.BUSY else "errors.click_not_saved"
        return {
            "toast": {"type": "error", "content": self.services.words(self.services.locale, key)}
        }

    # --- the long connection --------------------------------------------------------------

    def start(self) -> None:
        if self.config.mode != "websocket":
            return
        self._long = LongConnection(self.config, self._on_long)
        self._long.start()

    def _on_long(self, payload: bytes) -> dict[str, Any] | None:
        """One event from the long connection. Returning acknowledges it (with a card
        callback's response); raising makes Feishu send it again."""
        try:
            incoming = edge.classify(edge.read(payload))
        except Refused as e:
            logger.warning("feishu: malformed long-connection event refused: %s", e.reason)
            self.services.count(self.name, "malformed")
            return None
        if incoming.step is not Step.DELIVER:
            self.services.count(self.name, "ignored")
            return None
        verdict = persist_now(self.name, self.deadline, self.services, incoming)
        if verdict.stored:
            return {} if incoming.waiting else None
        if incoming.waiting:
            return self._toast_unsaved(verdict)
        if verdict is Verdict.REFUSED:  # Feishu's resends would be refused too: acknowledge
            return None
        raise RuntimeError(f"not stored ({verdict.value}): Feishu will send it again")

    def stop(self) -> None:
        if self._long is not None:
            self._long.stop()
        self._files.close()

    # --- after the answer -----------------------------------------------------------------

    def read(self, row: Claimed) -> Event | None:
        kind, body = row.payload.get("kind"), row.payload.get("body")
        if not isinstance(body, dict):
            raise Malformed("no body")
        tenant = row.workspace
        if kind == "message":
            sender = body["event"]["sender"]
            user = self.user(
                tenant,
                sender["sender_id"]["open_id"],
                outsider=(sender.get("tenant_key") or tenant) != tenant,
            )
            event = parse.message(body, user, self.bot(), row.received_at, self.zone)
            message = body["event"]["message"]
            if message["message_type"] != edge.FILE or not event.addressed:
                return event
            return replace(event, upload=self.fetch(message))
        if kind == "action":
            operator = body["event"]["operator"]
            user = self.user(
                tenant,
                operator["open_id"],
                outsider=(operator.get("tenant_key") or tenant) != tenant,
            )
            return parse.action(body, user, row.received_at, self.zone)
        raise Malformed(f"unknown kind {kind!r}")

    def fetch(self, message: dict[str, Any]) -> Upload:
        """A file sent to the bot 1:1, downloaded (adapters/feishu/download.py)."""
        content = json.loads(message["content"])
        return download.fetch(
            self.api,
            self._files,
            message["message_id"],
            str(content.get("file_key") or ""),
            str(content.get("file_name") or ""),
        )

    def bot(self) -> str:
        """The bot's own open_id (bot/v3/info), asked once; until it is known, a row waits."""
        if not self._bot:
            try:
                info = self.api.raw(lark.HttpMethod.GET, "/open-apis/bot/v3/info")
            except api.FeishuError as e:
                raise RetryLater(f"feishu bot info: {e.code}") from None
            self._bot = str((info.get("bot") or {}).get("open_id") or "")
            if not self._bot:
                raise RetryLater("feishu bot info without open_id")
        return self._bot

    def user(self, tenant: str, open_id: str, *, outsider: bool = False) -> parse.User:
        """Name and zone from the contact API, cached for an hour. A person of another tenant
        (an external group) cannot be looked up; a lookup the app is not permitted is cached
        as unknown (asking again would not help); any other failure is asked again next time.
        Meanwhile the tenant's zone applies."""
        unknown = parse.User(id=open_id, name=open_id, known=False)
        if outsider:
            return unknown
        try:
            return self.profiles.get((tenant, open_id), lambda: self._lookup(open_id, unknown))
        except (api.FeishuError, RetryLater) as e:
            logger.info("feishu: contact lookup failed: %s", e.__class__.__name__)
        return unknown

    def _lookup(self, open_id: str, unknown: parse.User) -> parse.User:
        request = GetUserRequest.builder().user_id(open_id).user_id_type("open_id").build()
        try:
            resp = self.api.call(lambda: self.api.client.contact.v3.user.get(request))
        except api.FeishuError as e:
            if e.code in DENIED:
                logger.info(
                    "feishu: contact lookup not permitted (%s): names from mentions", e.code
                )
                return unknown
            raise
        user = resp.data.user if resp.data else None
        if user is None:
            return unknown
        return parse.User(
            id=open_id, name=user.name or user.en_name or open_id, tz=user.time_zone or None
        )
