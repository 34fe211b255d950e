"""dealbot on WeCom (企业微信): the self-built app for 1:1 chats, card clicks and every push,
and the AI bot for group chats — over its long connection or its HTTP callback.

Both callbacks (`/wecom/callback`, `/wecom/aibot`) verify and store before answering; WeCom
waits 5 s and then sends it again, up to 3 times, which the inbox key makes harmless. Profiles,
the database and the handler come after, from the inbox.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

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
from adapters.wecom import download, edge, parse
from adapters.wecom.aibot import BotConnection
from adapters.wecom.client import Api, WecomError
from adapters.wecom.config import WecomSection
from adapters.wecom.crypto import WecomCrypto
from adapters.wecom.reply import Address, Frame
from adapters.wecom.sender import WecomSender
from bot.delivery import RetryLater
from bot.directory import Directory, DirectoryUnavailable, Member, NotAnAccount
from bot.events import Event
from bot.inbox import Claimed
from bot.intake import Malformed

logger = logging.getLogger(__name__)

DENIED = {60011, 60111, 48009, 81017}  # no privilege / no such user / outside the visible range
# a member's account id (userid): letters, digits and _-@. , starting with a letter or digit
ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
DIRECTORY_TIMEOUT = 3.0  # seconds a directory lookup waits for WeCom


class _Route(HttpEdge[edge.Opened]):
    """One of the two callbacks, as adapters/edge.py's steps want it."""

    def __init__(self, platform: WecomPlatform, callback: edge.Callback) -> None:
        self.name = platform.name
        self.deadline = platform.deadline
        self.services = platform.services
        self.callback = callback

    async def http(self, request: Request) -> Response:
        return await receive(self, request)

    def verify(
        self, body: bytes, headers: dict[str, str], query: dict[str, str]
    ) -> Verified[edge.Opened]:
        # decrypted and parsed once; raises Refused: 401 forged or stale, 400 malformed
        return Verified(self.callback.open(body, query))

    def classify(self, verified: Verified[edge.Opened]) -> Incoming:
        return self.callback.classify(verified.content)

    def unsaved(self, incoming: Incoming, verdict: Verdict) -> Response:
        # no answer within 5 s, or a non-200, makes WeCom send it again (3 times)
        return JSONResponse({"error": verdict.value}, status_code=503)


class _Relayed:
    """The AI bot's connection as the sender in serve's worker process sees it: each answer is
    handed to the edge process that holds the connection."""

    def __init__(self, relay: Callable[[str, dict[str, Any]], Any]) -> None:
        self.relay = relay

    def respond(self, req_id: str, bodies: list[dict[str, Any]], *, update: bool) -> bool:
        request = {"op": "respond", "req_id": req_id, "bodies": bodies, "update": update}
        return bool(self.relay("wecom", request))

    def push(self, chatid: str, bodies: list[dict[str, Any]]) -> bool:
        return bool(self.relay("wecom", {"op": "push", "chatid": chatid, "bodies": bodies}))


class WecomPlatform(Platform):
    name = "wecom"
    deadline = 5.0

    def __init__(self, *, config: WecomSection, services: Services) -> None:
        super().__init__(config=config, services=services)
        self.api = Api(config)
        # the AI bot's answers leave over its long connection: held here (serve's edge), or
        # reached through the relay from the process that sends (serve's worker)
        relayed = _Relayed(services.relay) if services.relay and config.bot_id else None
        self._sender = WecomSender(
            self.api, bot=relayed, words=services.words, locale=services.locale
        )
        self.names: ProfileCache[tuple[str, bool]] = ProfileCache(ttl=3600)
        app = WecomCrypto(
            config.token.get_secret_value(),
            config.encoding_aes_key.get_secret_value(),
            config.corp_id,
        )
        self._app = _Route(self, edge.Callback(app, "app", config.corp_id))
        self._bot: _Route | None = None
        if config.aibot_token is not None and config.aibot_encoding_aes_key is not None:
            # an internal AI bot's callbacks are sealed for the empty receive id
            crypto = WecomCrypto(
                config.aibot_token.get_secret_value(),
                config.aibot_encoding_aes_key.get_secret_value(),
                "",
            )
            self._bot = _Route(self, edge.Callback(crypto, "bot", config.corp_id))
        self._connection: BotConnection | None = None

    def sender(self) -> WecomSender:
        return self._sender

    def redactions(self) -> list[str]:
        # access_token in every API call's query; a card's response_code (from a send or a
        # click: one update within 72 h); the AI bot's reply address, one use within an hour:
        # https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=…
        return [
            url_form(r"https?://[^\s\"'<>&]*?/aibot/response"),
            named_value(
                "access_token", "response_code", "ResponseCode", "response_url", "corpsecret"
            ),
        ]

    def routes(self) -> list[BaseRoute]:
        routes = [Route("/wecom/callback", self._app.http, methods=["GET", "POST"])]
        if self._bot is not None:
            routes.append(Route("/wecom/aibot", self._bot.http, methods=["GET", "POST"]))
        return routes

    # --- the AI bot's long connection -----------------------------------------------------

    def start(self) -> None:
        if self.config.bot_id is None:
            return
        self._connection = BotConnection(
            self.config, self._on_frame, hold=self.services.hold, let_go=self.services.let_go
        )
        self._sender.bot = self._connection
        self._connection.start()

    def _on_frame(self, body: dict[str, Any], req_id: str) -> None:
        try:
            incoming = edge.bot(body, self.config.corp_id)
        except Refused as e:
            logger.warning("wecom: malformed AI bot frame refused: %s", e.reason)
            self.services.count(self.name, "malformed")
            return
        if incoming.step is not Step.DELIVER:
            self.services.count(self.name, "ignored")
            return
        # the reply must go back over this connection, to this frame
        incoming = replace(incoming, payload=incoming.payload | {"req_id": req_id})
        verdict = persist_now(self.name, self.deadline, self.services, incoming)
        if not verdict.stored:  # WeCom does not send a frame again: say so in the log
            logger.error("wecom: an AI bot message could not be stored (%s)", verdict.value)

    def relayed(self, request: dict[str, Any]) -> Any:
        if self._connection is None:
            return False
        if request.get("op") == "respond":
            return self._connection.respond(
                request["req_id"], request["bodies"], update=bool(request.get("update"))
            )
        if request.get("op") == "push":
            return self._connection.push(request["chatid"], request["bodies"])
        return False

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.stop()
        self.api.close()

    # --- after the answer -----------------------------------------------------------------

    def read(self, row: Claimed) -> Event | None:
        kind, body = row.payload.get("kind"), row.payload.get("body")
        if not isinstance(body, dict):
            raise Malformed("no body")
        corp = self.config.corp_id
        if kind == "app":
            name, known = self.name_of(body["FromUserName"])
            event = parse.app(body, corp, name, known, row.received_at)
            if body["MsgType"] != "file":
                return event
            size = str(body.get("FileSize") or "")
            upload = download.fetch(
                self.api,
                body["MediaId"],
                str(body.get("FileName") or ""),
                int(size) if size.isdigit() else None,
            )
            return replace(event, upload=upload)
        if kind == "bot":
            name, known = self.name_of(body["from"]["userid"])
            req_id = row.payload.get("req_id")
            reply_to = (
                Frame(str(req_id)) if req_id else Address(str(body.get("response_url") or ""))
            )
            return parse.bot(body, corp, name, known, row.received_at, reply_to)
        raise Malformed(f"unknown kind {kind!r}")

    def directory(self) -> Directory:
        return self.member

    def member(self, token: str) -> Member | None:
        """`@zhangsan` typed in a line (an admin setting a team up before its members have
        written): the account user/get knows, under the id and name it gives; None for one
        WeCom does not know (60111) or one the app may not see; NotAnAccount for a token
        that cannot be a userid (`@张三`: a name, read as names are). Asked each time, not cached: an account just added must be found at once."""
        if not ACCOUNT.fullmatch(token):
            raise NotAnAccount(token)
        try:
            # asked while the event's transaction is open: a slow WeCom is not waited for long
            data = self.api.call(
                "GET", "user/get", params={"userid": token}, timeout=DIRECTORY_TIMEOUT
            )
        except WecomError as e:
            if e.code in DENIED:
                return None
            raise DirectoryUnavailable(f"wecom errcode {e.code}") from None
        except RetryLater as e:
            raise DirectoryUnavailable(str(e)) from None
        userid = str(data.get("userid") or token)
        return Member(user_id=userid, name=str(data.get("name") or "") or userid)

    def name_of(self, userid: str) -> tuple[str, bool]:
        """A member's name (user/get), cached for an hour; apps created since mid-2022 are not
        given names, and then the userid is the name. A failure is asked again next time."""
        try:
            return self.names.get(userid, lambda: self._lookup(userid))
        except (WecomError, RetryLater) as e:
            logger.info("wecom: user/get failed: %s", e.__class__.__name__)
        return userid, False

    def _lookup(self, userid: str) -> tuple[str, bool]:
        try:
            data = self.api.call("GET", "user/get", params={"userid": userid})
        except WecomError as e:
            if e.code in DENIED:
                return userid, False
            raise
        name = str(data.get("name") or "")
        return (name, True) if name else (userid, False)
