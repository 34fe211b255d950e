"""Console lines → events or console directives (:now, :tick, :click, :file). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.events import MENTION, CardAction, Event, Mention, ReplyHandle, mention_token

WORKSPACE = "local"
CHANNEL = "sales"
_SPEAKER = re.compile(r"^\[([^\]\s]{1,64})\]\s*(.*)$", re.DOTALL)
_BRACKETS = re.compile(r"^\[[^\]]*\]")  # "[]", "[小 李]": shaped like a speaker, but not one


@dataclass(frozen=True, kw_only=True)
class Directive:
    # now | tick | click | file | quit | help | comment | speaker | blank | bad | not_speaker
    name: str
    arg: str = ""


def split_speaker(line: str) -> tuple[str | None, str]:
    m = _SPEAKER.match(line.strip())
    return (m.group(1), m.group(2).strip()) if m else (None, line.strip())


def directive(rest: str) -> Directive | None:
    if not rest:
        return Directive(name="blank")
    if (bad := _BRACKETS.match(rest)) and not _SPEAKER.match(rest):
        return Directive(name="not_speaker", arg=bad.group(0))
    if rest.startswith("#") and (len(rest) == 1 or rest[1] in " #"):
        return Directive(name="comment", arg=rest)
    if rest.startswith(":"):
        name, _, arg = rest[1:].partition(" ")
        if name in ("now", "tick", "click", "file", "quit", "exit", "help"):
            return Directive(name="quit" if name == "exit" else name, arg=arg.strip())
        return Directive(name="bad", arg=rest)
    return None


def parse_clock(arg: str, tz: ZoneInfo) -> datetime | None:
    try:
        value = datetime.fromisoformat(arg.strip().replace("T", " "))
    except ValueError:
        return None
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def line_payload(text: str, *, speaker: str, now: datetime) -> dict[str, str]:
    """What the console stores in the inbox for a line typed by `speaker` at `now`."""
    return {"user": speaker, "text": text, "at": now.isoformat()}


def split_file(arg: str) -> tuple[str, str]:
    """`:file PATH [text]` → (path, text); a path with spaces is quoted ("…" or '…')."""
    arg = arg.strip()
    if arg[:1] in ("'", '"') and (end := arg.find(arg[0], 1)) > 0:
        return arg[1:end], arg[end + 1 :].strip()
    path, _, text = arg.partition(" ")
    return path, text.strip()


def file_payload(path: str, text: str, *, speaker: str, now: datetime) -> dict[str, str]:
    """A file sent with `text` (perhaps none) by `speaker`: the console's parse reads it from
    `path` (an absolute path) in the worker, as a platform's parse downloads one."""
    return {"user": speaker, "text": text, "file": path, "at": now.isoformat()}


def click_payload(button_id: str, *, speaker: str, now: datetime) -> dict[str, str]:
    return {"user": speaker, "button": button_id, "at": now.isoformat()}


def event(payload: dict[str, str]) -> Event:
    """A stored console line or click → the neutral Event."""
    speaker = payload["user"]
    text = payload.get("text")
    button = payload.get("button")
    return Event(
        platform="console",
        workspace_id=WORKSPACE,
        user_id=speaker,
        user_name=speaker,
        channel_id=CHANNEL,
        text=text,
        action=CardAction(button_id=button) if button else None,
        # a typed @name, not a user picked from a list: no user id vouches for it, so the core
        # takes it as a name (bot.people.resolve_mention) and never makes a person of a typo
        mentions=tuple(
            Mention(token=mention_token(m), user_id="", name=m) for m in MENTION.findall(text or "")
        ),
        occurred_at=datetime.fromisoformat(payload["at"]),
        reply=ReplyHandle(
            conversation=CHANNEL, user_id=speaker, card_message="console" if button else None
        ),
    )
