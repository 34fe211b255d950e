"""Console lines → events or console directives (:now, :tick, :click). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.events import CardAction, Event, Mention

WORKSPACE = "local"
CHANNEL = "sales"
_SPEAKER = re.compile(r"^\[([^\]\s]{1,64})\]\s*(.*)$", re.DOTALL)
_MENTION = re.compile(r"(?<![\w@])@([^\s@,:;!?。，：；！？]+)")


@dataclass(frozen=True, kw_only=True)
class Directive:
    name: str  # now | tick | click | quit | help | comment | speaker | blank | bad
    arg: str = ""


def split_speaker(line: str) -> tuple[str | None, str]:
    m = _SPEAKER.match(line.strip())
    return (m.group(1), m.group(2).strip()) if m else (None, line.strip())


def directive(rest: str) -> Directive | None:
    if not rest:
        return Directive(name="blank")
    if rest.startswith("#") and (len(rest) == 1 or rest[1] in " #"):
        return Directive(name="comment", arg=rest)
    if rest.startswith(":"):
        name, _, arg = rest[1:].partition(" ")
        if name in ("now", "tick", "click", "quit", "exit", "help"):
            return Directive(name="quit" if name == "exit" else name, arg=arg.strip())
        return Directive(name="bad", arg=rest)
    return None


def parse_clock(arg: str, tz: ZoneInfo) -> datetime | None:
    try:
        value = datetime.fromisoformat(arg.strip().replace("T", " "))
    except ValueError:
        return None
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def message_event(text: str, *, speaker: str, now: datetime, seq: int) -> Event:
    mentions = tuple(
        Mention(token="@" + m.group(1), user_id=m.group(1), name=m.group(1))
        for m in _MENTION.finditer(text)
    )
    return Event(
        platform="console",
        workspace_id=WORKSPACE,
        user_id=speaker,
        user_name=speaker,
        channel_id=CHANNEL,
        text=text,
        mentions=mentions,
        message_id=f"console:{seq}",
        occurred_at=now,
    )


def click_event(button_id: str, *, speaker: str, now: datetime) -> Event:
    return Event(
        platform="console",
        workspace_id=WORKSPACE,
        user_id=speaker,
        user_name=speaker,
        channel_id=CHANNEL,
        action=CardAction(button_id=button_id),
        occurred_at=now,
    )
