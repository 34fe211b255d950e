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

import bisect
import hashlib
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from bot import mentions
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

# `mentions.render` is the one public way to find the core's resolved markers: we give it a
# `native` that writes a slot, "\x02<n>\x1f\x03", recording (user id, name) as person n, and put
# each person in afterwards. A slot cannot be forged by the text: any "\x02…\x1f…\x03" in it is a
# resolved marker, which `render` has consumed, and what `render` writes ("@name", "@?") holds no
# \x02. Every other marker byte (a malformed marker) is dropped, so none reaches WeCom.
_SLOT = re.compile("\x02(\\d+)\x1f\x03")
_SLOT_OR_STRAY = re.compile("(\x02\\d+\x1f\x03)|[\x02\x03\x1f]")
_USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-@.]{0,63}")  # D90195


def _flat(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text with each person who has a user id as a slot, stray marker bytes gone."""
    people: list[tuple[str, str]] = []

    def slot(user_id: str, name: str) -> str:
        people.append((user_id, name))
        return f"\x02{len(people) - 1}\x1f\x03"

    flat = mentions.render(text, slot)
    return _SLOT_OR_STRAY.sub(lambda m: m[1] or "", flat), people


def _name(name: str) -> str:
    return _NEWLINE.sub(" ", name).translate({0x02: None, 0x03: None, 0x1F: None})


Atoms = list[tuple[int, int]]  # spans of a string that must not be cut: the people


def _render(
    text: str, escape: Callable[[str], str], person: Callable[[str, str], str]
) -> tuple[str, Atoms]:
    """`text` with newlines as "\\n", `escape`d, and people (who have an id) as `person` gives
    them; with the spans those people take."""
    flat, people = _flat(text)
    flat = escape(_NEWLINE.sub("\n", flat))  # a slot holds nothing any escape touches
    out: list[str] = []
    atoms: Atoms = []
    length = pos = 0
    for m in _SLOT.finditer(flat):
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


# ---- splitting -----------------------------------------------------------------------------

_ATOM = re.compile("\x02[^\x02\x03]*\x03|<@[^<>\\s]*>")  # a marker, or a WeCom mention
_PUNCT = "。！？；，、"  # a Chinese line without spaces can end after one of these
# Code points that belong to the character before them: a cut never goes before one.
_EXTEND = ("\u200d", "\ufe0e", "\ufe0f")


def _joins(s: str, i: int) -> bool:
    """Whether s[i] continues the character before it (combining mark, variation selector,
    skin tone, ZWJ sequence, emoji tag, second half of a flag)."""
    c = s[i]
    if c in _EXTEND or s[i - 1] == "\u200d" or unicodedata.category(c) in ("Mn", "Mc", "Me"):
        return True
    if "\U0001f3fb" <= c <= "\U0001f3ff" or "\U000e0020" <= c <= "\U000e007f":
        return True
    if "\U0001f1e6" <= c <= "\U0001f1ff":  # regional indicators pair up from the left
        n = 0
        while i - n - 1 >= 0 and "\U0001f1e6" <= s[i - n - 1] <= "\U0001f1ff":
            n += 1
        return n % 2 == 1
    return False


def _inside(atoms: Atoms, p: int) -> tuple[int, int] | None:
    """The atom a cut at p would break (a < p < b), if any."""
    k = bisect.bisect_left(atoms, (p,)) - 1  # the last atom that starts before p
    if k >= 0 and p < atoms[k][1]:
        return atoms[k]
    return None


def _hard(s: str, start: int, end: int, atoms: Atoms) -> int:
    """A cut at or before `end` that splits no person and no character (if one can be had)."""
    cut = end
    for _ in range(4):
        atom = _inside(atoms, cut)
        if atom and atom[0] > start:
            cut = atom[0]
        while cut - 1 > start and _joins(s, cut):
            cut -= 1
    return cut


def _break(s: str, start: int, end: int, atoms: Atoms) -> tuple[int, int]:
    """Where to end the piece s[start:…] that may reach `end`: (cut, separator length).
    A line break, else a space, else after Chinese punctuation, in the second half of the room;
    then a line break or a space anywhere; else a cut at a character."""
    half = start + max(1, (end - start) // 2)
    tries = (("\n", half, 1), (" ", half, 1), (_PUNCT, half, 0), ("\n", start + 1, 1))
    for chars, lo, sep in (*tries, (" ", start + 1, 1)):
        i = min(end, len(s) - 1) if sep else end - 1
        while i >= lo:
            if s[i] in chars:
                cut = i if sep else i + 1
                atom = _inside(atoms, cut) or _inside(atoms, cut + sep)
                if atom is None and cut > start:
                    return cut, sep
                if atom is not None:
                    i = atom[0]
            i -= 1
    return _hard(s, start, end, atoms), 0


def _split(s: str, atoms: Atoms, limit: int, fix: Callable[[str], str] | None = None) -> list[str]:
    if limit < 8:
        raise ValueError("limit must be at least 8 bytes")
    put = fix or (lambda piece: piece)

    def fits(piece: str) -> bool:
        return len(put(piece).encode()) <= limit

    pieces: list[str] = []
    start = 0
    while start < len(s):
        if len(s) - start <= limit and fits(s[start:]):  # each character takes ≥ 1 byte
            pieces.append(put(s[start:]))
            break
        lo, hi = start + 1, min(len(s), start + limit)  # a piece holds ≤ limit characters
        while lo < hi:  # the longest piece that fits
            mid = (lo + hi + 1) // 2
            if fits(s[start:mid]):
                lo = mid
            else:
                hi = mid - 1
        cut, sep = _break(s, start, lo, atoms)
        if not fits(s[start:cut]):  # `fix` grew a short piece ("1." → "1．"): cut at the end
            cut, sep = _hard(s, start, lo, atoms), 0
        while cut > start + 1 and not fits(s[start:cut]):  # the limit is the one hard rule
            cut, sep = cut - 1, 0
        pieces.append(put(s[start:cut]))
        start = cut + sep
    return pieces


def parts(text: str, limit: int = MAX_BYTES) -> list[str]:
    """`text` in pieces of at most `limit` UTF-8 bytes, in order. A piece ends at a line break
    (dropped), else at a space (dropped), else after Chinese punctuation, else between two
    characters; never inside a character (nor a skin tone, ZWJ sequence or flag), nor inside a
    person ("\\x02…\\x03" marker or `<@userid>`) unless one person alone is over the limit.
    Rejoining the pieces with what was dropped ("\\n", " " or nothing) gives `text` back.
    An empty text gives [] (nothing to send); a text that fits gives [text]."""
    return _split(text, [(m.start(), m.end()) for m in _ATOM.finditer(text)], limit)


def _sendable(pieces: list[str]) -> list[str]:
    return [p for p in pieces if p.strip()]  # WeCom shows nothing for a blank piece


def _text_parts(words: str) -> list[str]:
    return _sendable(_split(*_text(words), MAX_BYTES))


def _markdown_parts(words: str, notify: bool) -> list[str]:
    rendered, atoms = _markdown(words, notify)
    return _sendable(_split(rendered, atoms, BOT_MAX_BYTES, _line_start))


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
    return words[: _hard(words, 0, _room(words, 2 * limit - 2), atoms)].rstrip() + ELLIPSIS


def _summary(rendered: tuple[str, Atoms], limit: int) -> str:
    """At most `limit` 字: whole lines and a line "…" where that keeps at least half."""
    words, atoms = rendered
    if _width(words) <= 2 * limit:
        return words
    head = words[: _hard(words, 0, _room(words, 2 * limit - 3), atoms)]
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
