"""The one place where an Outcome becomes outbox rows, for chat events and scheduled rules.

Replies go back where the event came from (its reply handle); pushes go to a person on the
platform they are reached on (`people.reach`) or to a channel; card updates replace the
clicked card. Each row's dedup key is unique for what it reports: a rule's own key, or the
event's inbox row id (unique across processes and restarts) with the item's place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot import mentions, outbox
from bot.delivery import Address, TargetKind
from bot.events import Event
from bot.outcome import Card, Message, Outcome
from bot.people import reach


def _resolved(message: Message, r: Callable[[str], str]) -> Message:
    """The message with the people it names resolved by `r` (bot/mentions.py)."""

    def card_of(card: Card) -> Card:
        return Card(
            key=card.key,
            title=r(card.title),
            body=r(card.body),
            fields=tuple((r(k), r(v)) for k, v in card.fields),
            buttons=tuple(replace(b, label=r(b.label)) for b in card.buttons),
            fallback=r(card.fallback),
            tone=card.tone,
        )

    card = None if message.card is None else card_of(message.card)
    attachment = message.attachment
    if attachment is not None:
        attachment = replace(attachment, title=r(attachment.title))
    page = tuple(card_of(c) for c in message.page)
    return Message(text=r(message.text), card=card, attachment=attachment, page=page)


def _texts(message: Message) -> list[str]:
    texts = [message.text, message.attachment.title if message.attachment else ""]
    for card in (message.card, *message.page):
        if card is not None:
            texts += [card.title, card.body, card.fallback, *(b.label for b in card.buttons)]
            texts += [t for field in card.fields for t in field]
    return texts


def post(
    session: Session,
    *,
    tenant_id: int,
    outcome: Outcome,
    origin: str,
    now: datetime,
    event: Event | None = None,
    speaker: str = "",
    clicked: tuple[str, str] | None = None,
) -> int:
    """Enqueue everything the outcome says; returns how many rows were new."""
    rows: list[tuple[str, Address, Message, TargetKind, dict[str, object]]] = []

    def put(key: str, to: Address, message: Message, kind: TargetKind, **kw: object) -> None:
        rows.append((key, to, message, kind, kw))

    if event is not None:
        handle = event.reply_handle()
        here = Address(
            person_id=None,
            platform=event.platform,
            user_id=handle.conversation,
            name=handle.conversation,
        )
        for n, reply in enumerate(outcome.replies):
            kind = TargetKind.EPHEMERAL if reply.private else TargetKind.CHANNEL
            to = replace(here, name=speaker or event.user_name) if reply.private else here
            put(f"{origin}:reply:{n}", to, reply.message, kind, reply=handle)
        if event.action is not None and outcome.updates:
            who = None
            if clicked is not None:  # who pressed, named as the platform names people
                who = (mentions.resolve(session, clicked[0], here.platform), clicked[1])
            for n, update in enumerate(outcome.updates):
                put(
                    f"{origin}:update:{n}",
                    here,
                    Message(card=update.card),
                    TargetKind.UPDATE,
                    reply=handle,
                    clicked=who,
                )
    prefer = event.platform if event is not None else None
    for n, push in enumerate(outcome.pushes):
        if push.person_id is not None:
            to, kind = reach(session, push.person_id, prefer=prefer), TargetKind.PERSON
        else:
            platform = push.channel_platform or prefer or ""
            channel = push.channel_id or ""
            to = Address(person_id=None, platform=platform, user_id=channel, name=channel)
            kind = TargetKind.CHANNEL
        put(push.key or f"{origin}:push:{n}", to, push.message, kind)
    added = 0
    for platform in dict.fromkeys(to.platform for _, to, _, _, _ in rows):
        # everyone the outcome names, looked up once per platform it goes to
        texts = [t for _, to, m, _, _ in rows if to.platform == platform for t in _texts(m)]
        r = mentions.resolver(session, platform, texts)
        for key, to, message, kind, kw in rows:
            if to.platform == platform:
                added += outbox.enqueue(
                    session,
                    tenant_id=tenant_id,
                    dedup_key=key,
                    to=to,
                    message=_resolved(message, r),
                    now=now,
                    kind=kind,
                    **kw,  # type: ignore[arg-type]
                )
    return added
