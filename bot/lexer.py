"""Tokens with positions, and the command word at the start of a line.

The command names themselves are declared by the commands (bot/commands/), and handed in.
Parsing reads the normalized text (full-width punctuation folded to ASCII) but every span
points into the original too — normalize() keeps lengths — so users' words are kept verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from dataclasses import dataclass

from bot.events import MENTION, mention_token

# The kinds of touch, as people write them (the word right after the customer in /log),
# → Activity.type. /progress counts call, visit and meeting: a call on the phone or by voice
# chat is a call; any face-to-face talk (拜访, 上门, 面谈, 见面) a visit; a conference,
# phone or video, a meeting; written chat (微信沟通) is chat.
TOUCH_TYPES: dict[str, str] = {
    "call": "call",
    "phone": "call",
    "电话": "call",
    "通话": "call",
    "打电话": "call",
    "来电": "call",
    "去电": "call",
    "电话沟通": "call",
    "微信电话": "call",
    "微信语音": "call",
    "语音通话": "call",
    "visit": "visit",
    "onsite": "visit",
    "拜访": "visit",
    "拜访了": "visit",
    "上门": "visit",
    "上门拜访": "visit",
    "面谈": "visit",
    "见面": "visit",
    "meeting": "meeting",
    "会议": "meeting",
    "会面": "meeting",
    "开会": "meeting",
    "电话会议": "meeting",
    "视频会议": "meeting",
    "线上会议": "meeting",
    "email": "email",
    "mail": "email",
    "邮件": "email",
    "发邮件": "email",
    "chat": "chat",
    "wechat": "chat",
    "微信": "chat",
    "微信沟通": "chat",
    "聊天": "chat",
    "im": "chat",
    "note": "note",
    "备注": "note",
}


def reserved(word: str, commands: Container[str]) -> str | None:
    """A word that is never taken for a customer's name unless quoted or already one:
    "type" (a kind of touch) or "command" (one of the `commands`' names, casefolded);
    None for any other word."""
    w = word.lstrip("/").casefold()
    if w in TOUCH_TYPES:
        return "type"
    if w in commands or w == "dealbot":
        return "command"
    return None


_TOKEN = re.compile(r'"([^"]*)"?|「([^」]*)」?|(\S+)')
_REF = {
    "deal": "D",
    "task": "T",
    "question": "Q",
    "requirement": "R",
    "meeting": "M",
    "milestone": "M",  # M3: a meeting after /meeting, a milestone after /milestone
    "approval": "A",
}


@dataclass(frozen=True, kw_only=True)
class Token:
    text: str  # normalized, quotes removed
    start: int
    end: int
    quoted: bool = False

    @property
    def folded(self) -> str:
        return self.text.casefold()

    @property
    def mention(self) -> str | None:
        m = MENTION.match(self.text) if not self.quoted else None  # the one neutral token
        return mention_token(m.group(1)) if m else None

    @property
    def is_tag(self) -> bool:
        return (
            not self.quoted
            and self.text.startswith("#")
            and len(self.text) > 1
            and not self.text[1:].isdigit()
        )


def tokenize(norm: str, start: int = 0) -> list[Token]:
    tokens = []
    for m in _TOKEN.finditer(norm, start):
        if m.group(3) is not None:
            tokens.append(Token(text=m.group(3), start=m.start(), end=m.end()))
        else:
            inner = m.group(1) if m.group(1) is not None else m.group(2)
            tokens.append(Token(text=inner.strip(), start=m.start(), end=m.end(), quoted=True))
    return tokens


def ref_id(text: str, kind: str) -> int | None:
    """`D12`, `d12`, `#12` or `12` → 12 for the given kind of record."""
    t = text.strip()
    prefix = _REF[kind]
    if t[:1].upper() == prefix or t.startswith("#"):
        t = t[1:]
    return int(t) if t.isdigit() and len(t) < 10 else None


def is_ref(text: str, kind: str) -> bool:
    t = text.strip()
    return len(t) > 1 and t[0].upper() == _REF[kind] and t[1:].isdigit() and len(t) < 11


def split_command(norm: str, names: Mapping[str, str]) -> tuple[str | None, str, int]:
    """(command key or None, the word as written, where the arguments start); `names` maps
    every command name, casefolded, to its command's key.

    `/dealbot <cmd> …` is the fallback form for workspaces where a name is taken.
    """
    tokens = tokenize(norm)
    if not tokens:
        return None, "", len(norm)
    first = tokens[0]
    word = first.text.lstrip("/").casefold()
    if word == "dealbot" and len(tokens) > 1:
        first = tokens[1]
        word = first.text.lstrip("/").casefold()
        # after the /dealbot prefix, any word was meant as a command
        return names.get(word), "/" + first.text.lstrip("/"), first.end
    return names.get(word), first.text, first.end
