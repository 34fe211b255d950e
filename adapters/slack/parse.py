"""Stored Slack deliveries → the neutral Event. Pure: user details come in already looked up.

Slack's markup becomes the core's neutral forms here: `<@U1>` → `@U1` (bot.events.MENTION),
`<#C1|sales>` → `#C1`, links unwrapped, `&amp;` `&lt;` `&gt;` decoded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.events import CardAction, Event, Mention, ReplyHandle, mention_token

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")


@dataclass(frozen=True, kw_only=True)
class User:
    id: str
    name: str
    tz: str | None = None
    locale: str | None = None  # dealbot's: en | zh_CN
    team: str | None = None  # their home workspace, as users.info says
    enterprise: str | None = None
    known: bool = True  # False: users.info failed, `name` is only the id


@dataclass(frozen=True, kw_only=True)
class Home:
    """Our installation: the workspace the bot token belongs to and, installed across an
    Enterprise Grid org, that org. Anyone else is from another organisation (Slack Connect)."""

    bot_user: str
    team: str
    enterprise: str | None = None

    def ours(self, team: str | None, enterprise: str | None = None) -> bool:
        return (
            bool(team)
            and team == self.team
            or (self.enterprise is not None and enterprise == self.enterprise)
        )

    def member(self, user: User, team: str | None, enterprise: str | None) -> bool:
        """The payload comes from one of our workspaces, and so does the user (when their
        profile is known)."""
        if not self.ours(team, enterprise):
            return False
        return user.team is None or user.team == team or self.ours(user.team, user.enterprise)


def plain(text: str) -> tuple[str, list[str]]:
    """Slack's markup → the words as typed, with neutral mentions. Returns the text and the
    user ids mentioned."""
    users: list[str] = []

    def user(m: re.Match[str]) -> str:
        users.append(m.group(1))
        return mention_token(m.group(1))

    text = _USER.sub(user, text or "")
    text = _CHANNEL.sub(lambda m: f"#{m.group(1)}", text)  # the id is what /link needs
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text, users


def user_ids(text: str) -> list[str]:
    """The users a Slack text mentions, for looking them up before parsing."""
    return [m.group(1) for m in _USER.finditer(text or "")]


def mentions(
    user_ids: list[str], people: dict[str, User], home: Home, team: str
) -> tuple[Mention, ...]:
    def outsider(user: User | None) -> bool:
        return (
            user is not None
            and user.team is not None
            and user.team != team
            and not (home.ours(user.team, user.enterprise))
        )

    return tuple(
        Mention(
            token=mention_token(uid),
            user_id=uid,
            name=people[uid].name if uid in people else uid,
            outsider=outsider(people.get(uid)),
        )
        for uid in dict.fromkeys(user_ids)
    )


def _base(
    team: str, user: User, channel: str, when: datetime, home: Home, member: bool
) -> dict[str, Any]:
    return {
        "platform": "slack",
        # an outsider's payload names their own workspace: what they do belongs to ours,
        # where the shared channel lives, and never makes a tenant of theirs
        "workspace_id": team if member else home.team,
        "user_id": user.id,
        "user_name": user.name,
        "user_timezone": user.tz,
        "user_locale": user.locale,
        "profile_known": user.known,
        "from_other_org": not member,
        "channel_id": channel,
        "occurred_at": when,
    }


def command(
    body: dict[str, Any],
    user: User,
    people: dict[str, User],
    when: datetime,
    home: Home,
    named: Callable[[str], str] = str,
) -> Event:
    """A slash command: `/log Acme …` (or `/dealbot log Acme …`); `named` maps the name it was
    registered under back to the core's (`/dl-log` → `/log`, adapters/slack/config.py)."""
    text, users = plain(body.get("text", ""))
    name = named(body.get("command", "/dealbot"))
    channel = body.get("channel_id", "")
    team = body.get("team_id", "")
    member = home.member(user, team, body.get("enterprise_id"))
    return Event(
        **_base(team, user, channel, when, home, member),
        text=f"{name} {text}".strip(),
        mentions=mentions(users, people, home, team),
        reply=ReplyHandle(
            conversation=channel, user_id=user.id, token=body.get("response_url", "")
        ),
    )


def message(
    envelope: dict[str, Any], user: User, people: dict[str, User], home: Home
) -> Event | None:
    """A message or app_mention event; None for a channel line that only looks like a command
    (Slack runs real slash commands itself). Only a DM or an @mention of the bot is addressed
    to us; the rest is overheard (customer questions in linked channels)."""
    ev = envelope["event"]
    bot_user = home.bot_user
    our_team = envelope.get("team_id") or home.team
    text, users = plain(ev.get("text", ""))
    addressed = ev.get("channel_type") == "im" or bot_user in users
    text = re.sub(rf"^\s*@{bot_user}\b[\s:,]*", "", text).strip()  # "@dealbot log …" → "log …"
    if not addressed and text.startswith("/"):
        return None
    author_team = ev.get("user_team") or ev.get("team") or our_team
    member = author_team == our_team or home.ours(author_team, user.enterprise)
    ts = ev.get("ts", "")
    channel = ev.get("channel", "")
    when = datetime.fromtimestamp(float(ts), UTC)
    # the envelope's workspace is ours (it received the message), whoever wrote it
    base = _base(our_team, user, channel, when, home, True) | {"from_other_org": not member}
    return Event(
        **base,
        text=text,
        mentions=mentions([u for u in users if u != bot_user], people, home, our_team),
        message_id=ts,
        thread_id=ev.get("thread_ts"),
        addressed=addressed,
        reply=ReplyHandle(conversation=channel, user_id=user.id, thread=ev.get("thread_ts")),
    )


def home_opened(envelope: dict[str, Any], user: User, when: datetime, home: Home) -> Event:
    """app_home_opened on the Home tab: the person's page, published again. Its answers go
    to the person (their app DM, by user id)."""
    team = envelope.get("team_id") or home.team
    return Event(
        **_base(
            team, user, user.id, when, home, home.member(user, team, envelope.get("enterprise_id"))
        ),
        page=True,
        reply=ReplyHandle(conversation=user.id, user_id=user.id),
    )


def action(body: dict[str, Any], user: User, when: datetime, home: Home) -> Event:
    """A button press on one of our cards (in a message, or on the Home tab's page)."""
    act = (body.get("actions") or [{}])[0]
    container = body.get("container") or {}
    on_page = container.get("type") == "view" and (body.get("view") or {}).get("type") == "home"
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
    channel = user.id if on_page else channel
    message_ts = container.get("message_ts", "")
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
    enterprise = (body.get("enterprise") or {}).get("id")
    return Event(
        **_base(team, user, channel, when, home, home.member(user, team, enterprise)),
        action=CardAction(button_id=act.get("value") or act.get("action_id", "")),
        page=on_page,
        reply=ReplyHandle(
            conversation=channel,
            user_id=user.id,
            token=body.get("response_url", ""),
            card_message=f"{channel}:{message_ts}" if message_ts else None,
        ),
    )
