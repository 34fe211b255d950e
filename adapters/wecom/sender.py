"""Sending to WeCom, with outcomes the outbox understands: every person through the self-built
app, answers in group chats through the AI bot, card clicks as the card's own update. Where an
answer goes is its reply route (adapters/wecom/reply.py).

WeCom silently drops messages past 30 a minute per member, so the pace is 2 s per person; and
`enable_duplicate_check` (over 10 minutes) makes a send repeated after a crash between the send
and its commit show once — a reminder repeated on purpose comes hours later, never within it.
A file or a chart goes through the app to a person (adapters/wecom/media.py).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx

from adapters import attachments
from adapters.wecom import media, render
from adapters.wecom.client import Api, WecomError
from adapters.wecom.reply import Address, CardCode, Frame, decode
from bot.delivery import Capabilities, Delivery, RetryLater, Sender, TargetKind, Undeliverable
from bot.i18n import Words
from bot.outcome import Attachment, Message

logger = logging.getLogger(__name__)

DUPLICATE_WINDOW = 600  # seconds in which WeCom drops the same content to the same person
TASK_TAKEN = 42014  # a card's task id was used: the same outbox row sent before
REPLY_URL_LIFETIME = timedelta(minutes=55)  # the AI bot's reply address lasts an hour


class WecomSender(Sender):
    """The outbound half. Every person is reached through the self-built app (`message/send`);
    answers in group chats leave through the AI bot, over its long connection or its one-use
    reply address; card clicks update the card through the click's response_code."""

    platform = "wecom"
    # no private messages in a group (the core sends those to the person), cards updated once
    capabilities = Capabilities(ephemeral=False, update=True, threads=False)
    min_interval = 2.0  # WeCom drops what a member gets past 30 a minute

    def __init__(
        self,
        api: Api,
        *,
        bot: Any = None,
        min_interval: float | None = None,
        words: Words | None = None,
        locale: str = "en",
    ) -> None:
        self.api = api
        self.bot = bot  # the AI bot's long connection (adapters/wecom/aibot.py), if held here
        self.words = words or Words()  # for what is said where an attachment cannot be shown
        self.locale = locale
        if min_interval is not None:
            self.min_interval = min_interval

    def pace_key(self, delivery: Delivery) -> str | None:
        reply = delivery.reply
        if reply and isinstance(decode(reply.token), Frame | Address):
            if delivery.message.attachment is not None:
                return reply.user_id  # it goes to the person, through the app
            return None  # answers in a group: the AI bot's own quotas, not a member's
        return delivery.target_id

    def send(self, delivery: Delivery) -> str:
        try:
            return self._send(delivery)
        except WecomError as e:
            raise e.outcome() from None

    def _send(self, delivery: Delivery) -> str:
        if delivery.message.attachment is not None:
            return self._attachment(delivery, delivery.message.attachment)
        kind, reply = delivery.kind, delivery.reply
        to = decode(reply.token if reply else "")
        if kind is TargetKind.UPDATE and reply and isinstance(to, CardCode):
            return self._update_app_card(delivery, to.code)
        if reply and isinstance(to, Frame | Address):
            if kind in (TargetKind.CHANNEL, TargetKind.UPDATE) and self._bot_reply(delivery, to):
                return f"bot:{reply.conversation}"
            # the reply address is spent or the connection is held elsewhere: tell the person
            return self._to_person(reply.user_id, delivery)
        if kind is TargetKind.CHANNEL and reply:
            # an answer to the app's 1:1 chat or to a click on its card: that chat is the person
            return self._to_person(reply.user_id, delivery)
        if kind is TargetKind.CHANNEL:
            bodies = render.bot_reply(delivery.message, task_id=render.task_id(delivery.dedup_key))
            if self.bot is not None and self.bot.push(delivery.target_id, bodies):
                return f"bot:{delivery.target_id}"
            raise Undeliverable("wecom: only the AI bot's long connection can post to a group")
        return self._to_person(delivery.target_id, delivery)

    def _attachment(self, delivery: Delivery, attachment: Attachment) -> str:
        """A file or a chart, always through the app (adapters/wecom/media.py): to the person
        it is for, or who asked for it in a group, since the AI bot cannot send one there."""
        reply = delivery.reply
        to = decode(reply.token if reply else "")
        if reply and isinstance(to, Frame | Address):
            try:
                return media.send(
                    self.api, reply.user_id, delivery, attachment, window=DUPLICATE_WINDOW
                )
            except WecomError as e:
                if not isinstance(e.outcome(), Undeliverable):
                    raise
                # the app cannot reach them: say so in the group, in words
                logger.info("wecom: attachment not sent to the person (%s)", e.code)
                note = self._not_shown(attachment)
                told = replace(delivery, kind=TargetKind.CHANNEL, message=Message(text=note))
                if self._bot_reply(told, to):
                    return f"bot:{reply.conversation}"
                raise
        if delivery.kind is TargetKind.CHANNEL and reply is None:
            raise Undeliverable("wecom: a file or a picture cannot be posted to a group")
        if delivery.kind is TargetKind.PERSON or reply is None:
            user = delivery.target_id
        else:  # an answer in the app's 1:1 chat, or to a click on its card
            user = reply.user_id
        return media.send(self.api, user, delivery, attachment, window=DUPLICATE_WINDOW)

    def _not_shown(self, attachment: Attachment) -> str:
        locale = attachment.chart.locale if attachment.chart is not None else self.locale
        return self.words(
            locale,
            "attachments.not_shown_here",
            kind=attachments.kind(attachment),
            title=attachments.title(attachment),
        )

    def _to_person(self, user: str, delivery: Delivery) -> str:
        ids = []
        for body in render.message(delivery.message, task_id=render.task_id(delivery.dedup_key)):
            try:
                data = self.api.call(
                    "POST",
                    "message/send",
                    {
                        "touser": user,
                        "agentid": self.api.config.agent_id,
                        **body,
                        "enable_duplicate_check": 1,
                        "duplicate_check_interval": DUPLICATE_WINDOW,
                        "enable_id_trans": 1,  # "$userName=…$" shows the member's name
                    },
                )
            except WecomError as e:
                if e.code == TASK_TAKEN and body.get("msgtype") == "template_card":
                    continue  # this card (its task id is this row's) went out before a crash
                raise
            ids.append(str(data.get("msgid") or ""))
        return ",".join(ids)[:200]

    def _update_app_card(self, delivery: Delivery, response_code: str) -> str:
        card = delivery.message.card
        reply = delivery.reply
        assert reply is not None
        if card is None or not response_code or not reply.card_message:
            return self._to_person(reply.user_id, delivery)
        change: dict[str, Any]
        if card.buttons:
            template = render.card(card, task_id=reply.card_message, clicked=delivery.clicked_by)
            change = {"template_card": template}
        else:
            # a card with nothing left to press (all confirmed): WeCom takes no button card
            # without buttons, so its buttons are replaced by one that names the new state
            change = {"button": {"replace_name": render.settled(card)}}
        try:
            self.api.call(
                "POST",
                "message/update_template_card",
                {
                    "userids": [reply.user_id],
                    "agentid": self.api.config.agent_id,
                    "response_code": response_code,
                    **change,
                },
            )
        except WecomError as e:
            if not isinstance(e.outcome(), Undeliverable) and e.code not in (40184, 40185):
                raise
            # the response code is spent or too old (72 h): the new card as a new message
            logger.info("wecom: card not updated (%s), sent anew", e.code)
            return self._to_person(reply.user_id, delivery)
        return reply.card_message

    def _bot_reply(self, delivery: Delivery, to: Frame | Address) -> bool:
        """An answer in the group, through the AI bot; False when it cannot be sent there."""
        reply = delivery.reply
        assert reply is not None
        card = delivery.message.card
        if delivery.kind is TargetKind.UPDATE:
            if card is None or not card.buttons or not reply.card_message:
                return False  # (a card without buttons cannot be one; the person is told)
            if not isinstance(to, Frame):
                return False  # an update is answered only to the click's own frame
            template = render.card(card, task_id=reply.card_message, clicked=delivery.clicked_by)
            body = {"response_type": "update_template_card", "template_card": template}
            return self.bot is not None and self.bot.respond(to.req_id, [body], update=True)
        bodies = render.bot_reply(delivery.message, task_id=render.task_id(delivery.dedup_key))
        if isinstance(to, Address):
            # one use: an answer in several parts goes to the person whole instead, and so
            # does one whose address is past its hour or no longer answers
            return (
                len(bodies) == 1
                and delivery.reply_address_usable(REPLY_URL_LIFETIME)
                and self._respond(to.url, bodies[0])
            )
        return self.bot is not None and self.bot.respond(to.req_id, bodies, update=False)

    def _respond(self, url: str, body: dict[str, Any]) -> bool:
        """The AI bot's HTTP mode: one POST to the callback's reply address (one use, 1 h)."""
        try:
            resp = httpx.post(url, json=body, timeout=10)
        except httpx.HTTPError as e:
            raise RetryLater(f"wecom reply address unreachable: {e.__class__.__name__}") from None
        if resp.status_code >= 500:
            raise RetryLater(f"wecom reply address {resp.status_code}")
        try:
            code = int((resp.json() or {}).get("errcode") or 0)
        except ValueError:
            code = 0 if resp.status_code == 200 else -1
        return code == 0
