"""What Slack sends, classified before the answer (adapters/edge.py runs the steps): the shape
checked once, the URL handshake, our own messages dropped, and the delivery's key. Pure.

The same `classify` serves HTTP (a form or JSON body) and Socket Mode (the envelope's payload),
so both store the same thing in the inbox: {"kind": command|event|action|message_action|
view_submission, "body": …}.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from adapters.edge import Incoming, Refused, Step
from adapters.slack import shortcut
from bot.inbox import conversation

IGNORED_SUBTYPES = {
    "message_changed",
    "message_deleted",
    "bot_message",
    "channel_join",
    "channel_leave",
    "channel_topic",
    "channel_purpose",
    "channel_name",
}
MESSAGE_EVENTS = {"message", "app_mention"}
_TS = re.compile(r"\d{1,12}\.\d{1,9}")


def _delivery(
    kind: str, body: dict[str, Any], workspace: str, key: str, where: str, text: str = ""
) -> Incoming:
    return Incoming(
        step=Step.DELIVER,
        workspace=workspace,
        key=key,
        payload={"kind": kind, "body": body},
        text=text,
        waiting=kind == "command",
        conversation=where,
    )


IGNORE = Incoming(step=Step.IGNORE)


def _str(value: Any, what: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise Refused(400, f"malformed: {what}")
    return value


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Refused(400, f"malformed: {what}")
    return value


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise Refused(400, "malformed: not JSON") from None


def read_http(body: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    """An HTTP body → (what it is, its fields): events are JSON, commands a form,
    interactivity a form with one JSON field."""
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise Refused(400, "malformed: not UTF-8") from None
    if "json" in content_type:
        return "event", _dict(_json(text), "body")
    try:
        form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
    except ValueError:
        raise Refused(400, "malformed: not a form") from None
    if "payload" in form:
        return "action", _dict(_json(form["payload"]), "payload")
    return "command", form


def classify(kind: str, body: dict[str, Any], bot_user: str = "") -> Incoming:
    if kind == "command":
        return _command(body)
    if kind == "action":
        return _action(body)
    return _event(body, bot_user)


def _command(body: dict[str, Any]) -> Incoming:
    name = _str(body.get("command"), "command")
    if not name.startswith("/"):
        raise Refused(400, "malformed: command")
    team = _str(body.get("team_id"), "team_id")
    for field in ("user_id", "channel_id", "trigger_id"):
        _str(body.get(field), field)
    text = _str(body.get("text"), "text", required=False)
    url = _str(body.get("response_url"), "response_url", required=False)
    if url and not url.startswith(("https://", "http://")):
        raise Refused(400, "malformed: response_url")
    return _delivery(
        "command",
        body,
        team,
        f"command:{body['trigger_id']}",
        conversation(channel=body["channel_id"]),  # a DM's channel is its 1:1 chat
        f"{name} {text}".strip(),
    )


def _action(body: dict[str, Any]) -> Incoming:
    if body.get("type") in ("message_action", "view_submission"):
        return _shortcut(body)
    if body.get("type") != "block_actions":
        return IGNORE
    user = _dict(body.get("user"), "user")
    user_id = _str(user.get("id"), "user.id")
    team = body.get("team") or {}
    workspace = _str(_dict(team, "team").get("id") or user.get("team_id"), "team.id")
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        raise Refused(400, "malformed: actions")
    first = _dict(actions[0], "actions[0]")
    if not isinstance(first.get("value") or first.get("action_id"), str):
        raise Refused(400, "malformed: action value")
    container = _dict(body.get("container") or {}, "container")
    where = _dict(body.get("channel") or {}, "channel")
    if container.get("type") == "view":  # a button on the Home tab: no channel, the view's
        channel = _str(container.get("view_id"), "container.view_id")
    else:
        channel = _str(container.get("channel_id") or where.get("id"), "channel")
    key = f"action:{channel}:{container.get('message_ts', '')}:{first.get('action_ts', '')}"
    # a click is its person's, wherever the card is
    return _delivery("action", body, workspace, f"{key}:{user_id}", conversation(user=user_id))


def _shortcut(body: dict[str, Any]) -> Incoming:
    """The message shortcut "Log to a customer" and its modal's submission (shortcut.py):
    stored like every delivery; an empty 200 closes the modal."""
    kind = body["type"]
    view = _dict(body.get("view") or {}, "view")
    if (view.get("callback_id") if kind == "view_submission" else body.get("callback_id")) != (
        shortcut.CALLBACK
    ):
        return IGNORE
    user = _dict(body.get("user"), "user")
    user_id = _str(user.get("id"), "user.id")
    team = body.get("team") or {}
    workspace = _str(_dict(team, "team").get("id") or user.get("team_id"), "team.id")
    trigger = _str(body.get("trigger_id"), "trigger_id")
    if kind == "message_action":
        _dict(body.get("message"), "message")
        _str(_dict(body.get("channel"), "channel").get("id"), "channel.id")
    else:
        _str(view.get("private_metadata"), "view.private_metadata")
        _dict(view.get("state"), "view.state")
    return _delivery(kind, body, workspace, f"{kind}:{trigger}", conversation(user=user_id))


def _home_opened(body: dict[str, Any], team: str, ev: dict[str, Any]) -> Incoming:
    """Someone opened the app's Home tab: their page is published again (views.publish)."""
    if ev.get("tab") != "home":
        return IGNORE  # the Messages tab
    user = _str(ev.get("user"), "event.user")
    _str(ev.get("channel"), "event.channel", required=False)
    key = _str(body.get("event_id"), "event_id")
    return _delivery("event", body, team, f"home:{key}", conversation(user=user))


def _event(body: dict[str, Any], bot_user: str) -> Incoming:
    kind = body.get("type")
    if kind == "url_verification":
        challenge = _str(body.get("challenge"), "challenge")
        return Incoming(step=Step.HANDSHAKE, reply={"challenge": challenge})
    if kind != "event_callback":
        return IGNORE
    team = _str(body.get("team_id"), "team_id")
    ev = _dict(body.get("event"), "event")
    etype = _str(ev.get("type"), "event.type")
    if etype == "app_home_opened":
        return _home_opened(body, team, ev)
    if etype not in MESSAGE_EVENTS:
        return IGNORE
    _str(ev.get("subtype"), "event.subtype", required=False)
    if ev.get("subtype") in IGNORED_SUBTYPES or ev.get("bot_id"):
        return IGNORE  # our own posts and other bots'
    user = ev.get("user")
    if user is None or user == bot_user:
        return IGNORE
    _str(user, "event.user")
    channel = _str(ev.get("channel"), "event.channel")
    ts = _str(ev.get("ts"), "event.ts")
    thread = _str(ev.get("thread_ts"), "event.thread_ts", required=False)
    if not _TS.fullmatch(ts) or not _TS.fullmatch(thread or "0.0"):
        raise Refused(400, "malformed: event.ts")
    _str(ev.get("text"), "event.text", required=False)
    for field in ("user_team", "team", "channel_type"):
        _str(ev.get(field), f"event.{field}", required=False)
    if not isinstance(ev.get("files") or [], list):  # a file_share's files, fetched later
        raise Refused(400, "malformed: event.files")
    # a message and its app_mention share (channel, ts): one key covers both
    return _delivery("event", body, team, f"msg:{channel}:{ts}", conversation(channel=channel))
