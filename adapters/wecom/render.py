"""Neutral messages → WeCom text, markdown and template cards, within WeCom's limits. Pure.

Two senders use it (PLATFORMS.md §3.1):
- the self-built app (自建应用) writes to people 1:1 through message/send: `message()` gives the
  bodies (`text`, `template_card`) without touser/agentid;
- the AI bot (智能机器人) answers in chats: `bot_reply()` gives `markdown` / `template_card`
  bodies, as response_url and `aibot_send_msg` take them (`aibot_respond_msg` wants `stream`, below).

Docs this follows (D = https://developer.work.weixin.qq.com/document/path/):
- D90236 发送应用消息: text.content and markdown.content ≤ 2048 bytes of UTF-8 (over it WeCom
  cuts the text; the same words in appchat, D90248); text.content shows `<a href>` links; id
  translation (`$userName=…$`) happens only with enable_id_trans=1, which the sender must not set.
- Template card, button_interaction: for the AI bot D101032 模板卡片类型; for the app D90236
  (its limits as quoted from D90372 by github.com/zsmhub/workweixin). Each text limit is
  "建议不超过N个字": we count a 字 as one wide (Chinese) character or two others, and cut with
  "…". Where the two differ we keep the AI bot's, the smaller: main_title.title 26 (app 36),
  sub_title_text 112 (app 160), horizontal value 26 (app 30); both: keyname 5, button text 10.
  Hard ones: ≤ 6 horizontal items, ≤ 6 buttons and button_list required, key ≤ 1024 bytes and
  not repeated, style 1–4 ("不填或错填默认1"), task_id ≤ 128 bytes of digits, letters and "_-@",
  never reused by the same app or bot.
- D101138 主动回复消息 (response_url: one post, within 1 h): {"msgtype": "markdown", "markdown":
  {"content"}}, content ≤ 20480 bytes; a template_card only "当且仅当回调的会话类型为单聊".
- D101031 被动回复消息, and aibot_respond_msg on the long connection (wecom-aibot-python-sdk
  `reply_stream`): {"msgtype": "stream", "stream": {"id", "finish", "content"}}, content ≤ 20480
  bytes of markdown; also `template_card` and `stream_with_template_card`.
- D99110 消息推送: `<@userid>` mentions a member in text/markdown, but "markdown_v2类型消息不支持
  该扩展语法". The AI bot's markdown is the v2 kind (D101138 points its syntax at "markdown-v2类型")
  and github.com/WecomTeam/wecom-cli/issues/103 reports `<@userid>` shown as text there: hence
  `notify=False`, which names people "@name".
- D90195 创建成员: a userid is 1–64 bytes of letters, digits and "_-@.", starting alphanumeric.

WeCom markdown documents no escape. What people typed is kept from being read as markup by
swapping the few ASCII characters that make markup for their full-width look-alikes (＊ ＿ ［ …):
no markdown dialect reads those, they need no parser state (so a long text can be cut anywhere
and each piece still reads the same), and to a Chinese reader they look as typed. A zero-width
space would not stop `*a*` from being emphasis, and a backslash would show if not understood.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from adapters.text import SLOT, flatten
from adapters.wecom.pieces import Atoms, hard_cut, split
from bot.outcome import Card, Message

MAX_BYTES = 2048  # app text.content / markdown.content, UTF-8 bytes (90236)
BOT_MAX_BYTES = 20480  # AI bot markdown.content / stream.content, UTF-8 bytes (101138, 101031)
# In 字: a wide (Chinese) character, or two others.
MAX_TITLE = 26  # main_title.title (101032; the app allows 36)
MAX_SUBTITLE = 112  # sub_title_text (101032; the app allows 160)
MAX_QUOTE = 112  # quote_area.quote_text: undocumented, ours
MAX_KEYNAME = 5  # horizontal_content_list keyname
MAX_VALUE = 26  # horizontal_content_list value (101032; the app allows 30)
MAX_BUTTON_TEXT = 10  # button text
MAX_FIELDS = 6  # horizontal_content_list items
MAX_BUTTONS = 6  # button_list items
MAX_KEY_BYTES = 1024  # button key
MAX_TASK_ID = 128  # bytes of [0-9a-zA-Z_-@]
ELLIPSIS = "…"

# Button colours are shown only as a picture in the docs ("按钮样式如下所示"); 1 is WeCom's
# default. This mapping is unconfirmed: check it on a real client.
STYLES = {"primary": 1, "default": 2, "danger": 3}

_NEWLINE = re.compile(r"\r\n|\r|\n")

# ---- people --------------------------------------------------------------------------------

# Each person is put in at the slot `flatten` writes (adapters/text.py).
_USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-@.]{0,63}")  # D90195


def _name(name: str) -> str:
    return _NEWLINE.sub(" ", name).translate({0x02: None, 0x03: None, 0x1F: None})


def _render(
    text: str, escape: Callable[[str], str], person: Callable[[str, str], str]
) -> tuple[str, Atoms]:
    """`text` with newlines as "\\n", `escape`d, and people (who have an id) as `person` gives
    them; with the spans those people take."""
    flat, people = flatten(text)
    flat = escape(_NEWLINE.sub("\n", flat))  # a slot holds nothing any escape touches
    out: list[str] = []
    atoms: Atoms = []
    length = pos = 0
    for m in SLOT.finditer(flat):
        words = flat[pos : m.start()]
        who = person(*people[int(m[1])])
        out += [words, who]
        atoms.append((length + len(words), length + len(words) + len(who)))
        length += len(words) + len(who)
        pos = m.end()
    out.append(flat[pos:])
    return "".join(out), atoms


# ---- text (the app's 1:1 messages) ---------------------------------------------------------

# text.content shows `<a href="…">` as a link: a "<" that could open a tag becomes "＜", so what
# people typed stays words ("a < b" keeps its "<").
_TAG = re.compile(r"<(?=[A-Za-z/!?])")


# "$userName=…$" is WeCom's id translation (message/send with enable_id_trans, doc 90236): the
# client shows that member's current name — even to an app that may not read names. What people
# typed never becomes one: its "$" is the full-width "＄" where it would open one.
_ID_TRANS = re.compile(r"\$(?=(?:userName|departmentName)=)")


def _text_escape(text: str) -> str:
    return _ID_TRANS.sub("＄", _TAG.sub("＜", text))


def _person(user_id: str, name: str) -> str:
    if _USER_ID.fullmatch(user_id):
        return f"$userName={user_id}$"
    return "@" + _text_escape(_name(name))


def _text(text: str) -> tuple[str, Atoms]:
    return _render(text, _text_escape, _person)


def text(text: str) -> str:
    """For the app's `text` messages (1:1): people by WeCom's id translation, which shows their
    name as WeCom knows it (send with `enable_id_trans`); "@name" for one without an id. No
    marker bytes, no links from what people typed."""
    return _text(text)[0]


# ---- markdown (the AI bot's replies) -------------------------------------------------------

# Anywhere in a line: * _ emphasis, ` code, ~ strike-through, [ ] links and images, < HTML
# (<font>, <@userid>, <@all>, <think>), | tables, \ escapes; & only where it opens an entity.
_FULL_WIDTH = str.maketrans(
    {
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "~": "～",
        "[": "［",
        "]": "］",
        "<": "＜",
        "|": "｜",
        "\\": "＼",
    }
)
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# At a line's start (after its indentation): # headings, > quotes, - + lists and rules, = setext
# headings, "1." and "1)" ordered lists. The indentation becomes no-break spaces, so four spaces
# cannot open a code block and the indent still shows. Mid-line . - + = # > ( ) stay as typed.
_LEAD = re.compile(r"^([ \t]*)(?:([-+=#>])|(\d+)([.)])(?=[ \t]|$))?", re.MULTILINE)
_LEAD_FULL = {"-": "－", "+": "＋", "=": "＝", "#": "＃", ">": "＞", ".": "．", ")": "）"}


def _inline(text: str) -> str:
    return _ENTITY.sub("＆", text.translate(_FULL_WIDTH))


def _lead(m: re.Match[str]) -> str:
    indent = m[1].replace("\t", "    ").replace(" ", "\u00a0")
    if m[2]:
        return indent + _LEAD_FULL[m[2]]
    if m[3]:
        return indent + m[3] + _LEAD_FULL[m[4]]
    return indent


def _line_start(piece: str) -> str:
    """A piece of markdown sent on its own starts a line: its start escaped as one (idempotent)."""
    return _LEAD.sub(_lead, piece, count=1)


def _markdown(text: str, notify: bool) -> tuple[str, Atoms]:
    def person(user_id: str, name: str) -> str:
        if notify and _USER_ID.fullmatch(user_id) and user_id.lower() != "all":
            return f"<@{user_id}>"
        return "@" + _inline(_name(name))

    return _render(text, lambda t: _LEAD.sub(_lead, _inline(t)), person)


def markdown(text: str, *, notify: bool = True) -> str:
    """For the AI bot's markdown: what people typed shows as typed (markup characters in their
    full-width look-alikes), people as `<@userid>` (notify=False, or no id here: "@name")."""
    return _markdown(text, notify)[0]


def _sendable(pieces: list[str]) -> list[str]:
    return [p for p in pieces if p.strip()]  # WeCom shows nothing for a blank piece


def _text_parts(words: str) -> list[str]:
    return _sendable(split(*_text(words), MAX_BYTES))


def _markdown_parts(words: str, notify: bool) -> list[str]:
    rendered, atoms = _markdown(words, notify)
    return _sendable(split(rendered, atoms, BOT_MAX_BYTES, _line_start))


# ---- template cards ------------------------------------------------------------------------


def _plain(text: str) -> tuple[str, Atoms]:
    """For card texts, which show as typed and notify no one: people as "@name"."""
    return _render(text, lambda t: t, lambda _uid, name: "@" + _name(name))


def _one_line(rendered: tuple[str, Atoms]) -> tuple[str, Atoms]:
    return rendered[0].replace("\n", " "), rendered[1]  # same length: the atoms still hold


def _width(words: str) -> int:
    """Width in half 字: the card limits count 字 (a Chinese character); a wide or full-width
    character counts 2 here, any other 1, so an English label gets twice the letters."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in words)


def _room(words: str, width: int) -> int:
    """How many characters of `words` fit in `width` half 字."""
    used = 0
    for i, c in enumerate(words):
        used += 2 if unicodedata.east_asian_width(c) in "WF" else 1
        if used > width:
            return i
    return len(words)


def _clip(rendered: tuple[str, Atoms], limit: int) -> str:
    """At most `limit` 字: cut before a person or character it would split, then "…"."""
    words, atoms = rendered
    if _width(words) <= 2 * limit:
        return words
    return words[: hard_cut(words, 0, _room(words, 2 * limit - 2), atoms)].rstrip() + ELLIPSIS


def _summary(rendered: tuple[str, Atoms], limit: int) -> str:
    """At most `limit` 字: whole lines and a line "…" where that keeps at least half."""
    words, atoms = rendered
    if _width(words) <= 2 * limit:
        return words
    head = words[: hard_cut(words, 0, _room(words, 2 * limit - 3), atoms)]
    newline = head.rfind("\n")
    if newline > 0 and newline >= len(head) // 2:
        return head[:newline] + "\n" + ELLIPSIS
    return head.rstrip() + ELLIPSIS


def _buttons(card: Card) -> list[dict[str, Any]]:
    """≤ 6 buttons; a button whose id is over 1024 bytes or repeats one is left out (WeCom would
    refuse the whole card), as cutting an id would change what it does."""
    out: list[dict[str, Any]] = []
    keys: set[str] = set()
    for b in card.buttons:
        if len(out) == MAX_BUTTONS:
            break
        if not b.id or len(b.id.encode()) > MAX_KEY_BYTES or b.id in keys:
            continue
        keys.add(b.id)
        out.append(
            {
                "text": _clip(_one_line(_plain(b.label)), MAX_BUTTON_TEXT),
                "style": STYLES.get(b.style, STYLES["default"]),
                "key": b.id,  # comes back as the click's event_key / EventKey
            }
        )
    return out


def card(card: Card, *, task_id: str, clicked: str = "") -> dict[str, Any]:
    """The `template_card` object (button_interaction) for the app and the AI bot alike.

    title → main_title.title; body → sub_title_text (summarised with "…"); fields →
    horizontal_content_list; buttons → button_list (key = the button's id). After a click,
    `clicked` (who pressed, as the core wrote it) shows as it is in the card's quote area, a
    line of its own below the title that leaves the body its room and adds no words of ours.
    People read "@name": cards notify no one."""
    title = _clip(_one_line(_plain(card.title)), MAX_TITLE)
    if not title.strip():  # main_title is required: the first line the card has
        first = next((ln for ln in (card.body or card.fallback).split("\n") if ln.strip()), "")
        title = _clip(_one_line(_plain(first)), MAX_TITLE)
    out: dict[str, Any] = {"card_type": "button_interaction", "main_title": {"title": title}}
    body = _summary(_plain(card.body), MAX_SUBTITLE)
    if body.strip():
        out["sub_title_text"] = body
    if clicked:
        out["quote_area"] = {"quote_text": _clip(_one_line(_plain(clicked)), MAX_QUOTE)}
    fields = []
    for key, value in card.fields[:MAX_FIELDS]:
        field = {"keyname": _clip(_one_line(_plain(key)), MAX_KEYNAME) or "-"}
        shown = _clip(_one_line(_plain(value)), MAX_VALUE)
        if shown:
            field["value"] = shown
        fields.append(field)
    if fields:
        out["horizontal_content_list"] = fields
    out["button_list"] = _buttons(card)
    out["task_id"] = task_id
    return out


_TASK_UNSAFE = re.compile(r"[^0-9A-Za-z_\-@]+")


def task_id(key: str) -> str:
    """WeCom's task_id for the card an outbox row sends: ≤ 128 bytes of [0-9a-zA-Z_-@], stable,
    and distinct per key (the key's readable part, then 128 bits of its SHA-256)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    head = _TASK_UNSAFE.sub("_", key)[: MAX_TASK_ID - len(digest) - 1]
    return f"{head}-{digest}" if head else digest


def _card_words(card: Card) -> str:
    """A card without buttons as words (WeCom's button card needs a button): its fallback,
    else its title, body and fields."""
    if card.fallback:
        return card.fallback
    lines = [card.title, card.body, *(f"{k}：{v}" for k, v in card.fields)]
    return "\n".join(line for line in lines if line)


def _words(msg: Message) -> tuple[str, Card | None]:
    """The message's words, and the card to send after them (None: no card, or one as words)."""
    if msg.card is None or _buttons(msg.card):
        return msg.text, msg.card
    return "\n\n".join(w for w in (msg.text, _card_words(msg.card)) if w), None


# ---- what the senders post -----------------------------------------------------------------


def _card_body(with_card: Card, task: str) -> dict[str, Any]:
    return {"msgtype": "template_card", "template_card": card(with_card, task_id=task)}


def message(msg: Message, *, task_id: str) -> list[dict[str, Any]]:
    """The app's message/send bodies for one outbox row, in order, without touser/agentid: one
    `text` per part of the words, then the `template_card` if there is one. Nothing to say: []."""
    words, with_card = _words(msg)
    bodies: list[dict[str, Any]] = [
        {"msgtype": "text", "text": {"content": piece}} for piece in _text_parts(words)
    ]
    if with_card is not None:
        bodies.append(_card_body(with_card, task_id))
    return bodies


def bot_reply(msg: Message, *, task_id: str, notify: bool = True) -> list[dict[str, Any]]:
    """The AI bot's bodies for one reply: `markdown` parts (≤ 20480 bytes each), then the
    `template_card` if there is one. These are what response_url (D101138) and aibot_send_msg
    take; aibot_respond_msg takes the same content as {"msgtype": "stream", "stream": {"id": …,
    "finish": true, "content": …}}. response_url is good for one post, and takes a card only in a
    1:1 chat."""
    words, with_card = _words(msg)
    bodies: list[dict[str, Any]] = [
        {"msgtype": "markdown", "markdown": {"content": piece}}
        for piece in _markdown_parts(words, notify)
    ]
    if with_card is not None:
        bodies.append(_card_body(with_card, task_id))
    return bodies


def settled(card: Card) -> str:
    """A button's new name when a card has none left to press: its first field's value (the
    state, as the card words it), else its title; cut to a button's length."""
    words = card.fields[0][1] if card.fields else card.title
    return _clip(_one_line(_plain(words)), MAX_BUTTON_TEXT)
