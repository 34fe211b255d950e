"""Neutral messages → Feishu post messages and card JSON 2.0, within Feishu's limits. Pure.

Docs this follows (card JSON 2.0):
- rich text (markdown) component, its HTML subset, `<at>`, `<local_datetime>` (国际化时间) and
  the escape table ("转义后的格式为 `&#实体编号;`"):
  https://open.feishu.cn/document/feishu-cards/card-json-v2-components/content-components/rich-text
- buttons side by side in a `column_set` with `flex_mode: flow`, `behaviors: [{type: callback}]`:
  https://open.feishu.cn/document/feishu-cards/card-json-v2-components/interactive-components/button
  https://open.feishu.cn/document/feishu-cards/card-json-v2-components/containers/column-set
- JSON 2.0 only supports shared cards (`update_multi` true), and rejects unknown properties:
  https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-breaking-changes-release-notes

Sizes are measured as `json.dumps(content, ensure_ascii=False)` in UTF-8, so the sender must
serialise `content` the same way (with `ensure_ascii=True` CJK text takes twice the bytes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from adapters.text import SLOT, flatten
from bot import mentions
from bot.outcome import Card, Message

MAX_BYTES = 28 * 1024  # Feishu refuses a card or post over 30 KB; keep a margin
MAX_TITLE = 100
MAX_BUTTON_TEXT = 40
MAX_FIELDS = 10
MAX_BUTTONS = 10
ELLIPSIS = "…"

_STYLES = {"primary": "primary", "danger": "danger"}  # anything else: "default"

# A card's meaning (bot/outcome.Card.tone) as its header's colour. The header `template`
# takes blue, wathet, turquoise, green, yellow, orange, red, carmine, violet, purple, indigo,
# grey (or default): card JSON 2.0 header component,
# https://open.feishu.cn/document/feishu-cards/card-json-v2-components/content-components/title
# green: done or confirmed; orange: someone has to act; red: overdue, refused, a change
# asked for; grey: for information. An unknown tone reads as information.
HEADER_TEMPLATES = {"done": "green", "waiting": "orange", "alert": "red", "info": "grey"}

# People: the text is cut on the slots `flatten` writes (adapters/text.py), and each person
# put in as an <at> that notifies them.
_USER_ID = re.compile(r"[A-Za-z0-9_\-@.]+")  # what may sit unquoted in <at id=…>

# Card markdown. CommonMark does not read a character reference as structure, and Feishu's
# rich text renders `&#N;` as the character, so each character below shows as typed:
#   & < >   HTML (`<at id=all>`, `<font>`, `<a>`, `<local_datetime>`), entities, `>` quotes
#   * _ ~ ` emphasis, strike-through, code (inline and fenced)
#   [ ] ( ) links and images (`[a](http://evil)`, `![x](img_key)`)
#   #       headings;  |  tables;  \  backslash escapes
#   :       only where it opens a Feishu emoji code such as `:DONE:`
_INLINE = re.compile(r"[&<>*_~`\[\]()#|\\]|:(?=[A-Za-z0-9_]+:)")
# ...and at the start of a line (after any indentation): `-`/`+` lists, `---` rules and setext
# headings, `=` setext headings, `1.` ordered lists; the indentation itself becomes no-break
# spaces, so four spaces cannot open a code block and the author's indent still shows.
# `.` and `-` elsewhere stay as they are.
_LEAD = re.compile(r"^([ \t]*)(?:([-+=])|(\d+)\.(?=[ \t]|$))?", re.MULTILINE)
_NEWLINE = re.compile(r"\r\n|\r|\n")


def _name(name: str) -> str:
    return name.translate({0x02: None, 0x03: None, 0x1F: None})


def _inline(text: str) -> str:
    return _INLINE.sub(lambda m: f"&#{ord(m[0])};", text)


def _lead(m: re.Match[str]) -> str:
    indent = m[1].replace("\t", "    ").replace(" ", "&nbsp;")
    if m[2]:
        return f"{indent}&#{ord(m[2])};"
    if m[3]:
        return f"{indent}{m[3]}&#46;"
    return indent


def escape(text: str) -> str:
    """For a card's markdown: what people typed shows as typed; the people dealbot names
    become `<at id=…></at>`, which notifies them (a person without an id here reads @name)."""
    flat, people = flatten(text)
    flat = _NEWLINE.sub("\n", flat)
    flat = _LEAD.sub(_lead, _inline(flat))  # slots hold no character either pass touches

    def person(m: re.Match[str]) -> str:
        user_id, name = people[int(m[1])]
        if _USER_ID.fullmatch(user_id):
            return f"<at id={user_id}></at>"
        return "@" + _inline(_name(name))

    return SLOT.sub(person, flat)


def plain(text: str) -> str:
    """For plain_text fields (header, buttons), which mention no one: `@name`, one line."""
    return _NEWLINE.sub(" ", mentions.render(text)).translate({0x02: None, 0x03: None, 0x1F: None})


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


# ---- sizes -------------------------------------------------------------------------------


def _size(content: Any) -> int:
    return len(json.dumps(content, ensure_ascii=False).encode())


def _longest(fits: Callable[[int], bool], hi: int) -> int:
    """The largest n in [0, hi] with fits(n), fits(0) taken as true."""
    lo = 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _whole(markdown: str) -> str:
    """A prefix of escaped markdown, backed off so it never ends inside `&#…;` or `<at…></at>`
    (every `&` and `<` in escaped text is one of ours)."""
    start = markdown.rfind("<at ")
    if start != -1 and "</at>" not in markdown[start:]:
        markdown = markdown[:start]
    amp = markdown.rfind("&")
    if amp > markdown.rfind(";"):
        markdown = markdown[:amp]
    return markdown


def _shorten(markdown: str, budget: int) -> str:
    """Escaped markdown whose JSON string takes at most `budget` bytes (quotes not counted):
    whole lines where that keeps most of it, else cut at a character, ending with `…`."""
    if _size(markdown) - 2 <= budget:
        return markdown
    n = _longest(
        lambda n: _size(_whole(markdown[:n]) + "\n" + ELLIPSIS) - 2 <= budget, len(markdown)
    )
    head = _whole(markdown[:n])
    newline = head.rfind("\n")
    if newline > 0 and newline >= len(head) // 2:
        return head[:newline] + "\n" + ELLIPSIS
    return head.rstrip(" \n") + ELLIPSIS


# ---- post (rich text message) ------------------------------------------------------------


def _text(text: str) -> dict[str, Any]:
    return {"tag": "text", "text": text}


def _post_lines(text: str) -> list[list[dict[str, Any]]]:
    flat, people = flatten(text)
    lines: list[list[dict[str, Any]]] = [[]]

    def add(words: str) -> None:
        if lines[-1] and lines[-1][-1]["tag"] == "text":
            lines[-1][-1]["text"] += words
        else:
            lines[-1].append(_text(words))

    for n, part in enumerate(SLOT.split(flat)):
        if n % 2:  # a person: an <at> that notifies them
            lines[-1].append({"tag": "at", "user_id": people[int(part)][0]})
            continue
        for i, chunk in enumerate(_NEWLINE.split(part)):
            if i:
                lines.append([])
            if chunk:
                add(chunk)  # post text is literal: nothing to escape
    return [line or [_text("")] for line in lines]


def _post(lines: list[list[dict[str, Any]]]) -> dict[str, Any]:
    return {"zh_cn": {"content": lines}}


def post(text: str) -> dict[str, Any]:
    """Content of a msg_type "post" message: one list of elements per line, people as `at`
    elements (which notify them), within MAX_BYTES: as many lines as fit, then a line `…`."""
    lines = _post_lines(text)
    content = _post(lines)
    if _size(content) <= MAX_BYTES:
        return content
    tail = [_text(ELLIPSIS)]
    budget = MAX_BYTES - _size(_post([tail]))
    kept: list[list[dict[str, Any]]] = []
    for line in lines:
        cost = _size(line) + 2  # and ", " before the next line
        if cost > budget:
            break
        kept.append(line)
        budget -= cost
    if not kept:  # one enormous first line: its beginning, cut at a character
        first: list[dict[str, Any]] = []
        budget -= 4  # "[]" and ", "
        for element in lines[0]:
            cost = _size(element) + 2
            if cost <= budget:
                first.append(element)
                budget -= cost
                continue
            if element["tag"] == "text":
                words, room = element["text"], budget
                n = _longest(lambda n, w=words, r=room: _size(_text(w[:n])) + 2 <= r, len(words))
                if n:
                    first.append(_text(words[:n]))
            break
        kept = [first or [_text("")]]
    while len(kept) > 1 and _size(_post([*kept, tail])) > MAX_BYTES:
        kept.pop()
    return _post([*kept, tail])


# ---- cards -------------------------------------------------------------------------------


def _markdown(content: str, **extra: Any) -> dict[str, Any]:
    return {"tag": "markdown", "content": content, **extra}


def _fields(fields: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"**{escape(k)}**：{escape(v)}" for k, v in fields[:MAX_FIELDS])


def _buttons(card: Card) -> dict[str, Any]:
    return {
        "tag": "column_set",
        "flex_mode": "flow",
        "columns": [
            {
                "tag": "column",
                "width": "auto",
                "elements": [
                    {
                        "tag": "button",
                        "text": {
                            "tag": "plain_text",
                            "content": _clip(plain(b.label), MAX_BUTTON_TEXT),
                        },
                        "type": _STYLES.get(b.style, "default"),
                        # the edge reads action.value["b"] back as the button id
                        "behaviors": [{"type": "callback", "value": {"b": b.id}}],
                    }
                ],
            }
            for b in card.buttons[:MAX_BUTTONS]
        ],
    }


def clicked_note(who: str, at_ms: int | None = None) -> str:
    """Who pressed, and when in each reader's own time zone: `<local_datetime>` (国际化时间,
    rich-text doc above) takes Unix milliseconds; `date_num` shows 2019-03-15 and `time` 13:42.
    Without `millisecond` Feishu shows when the card was sent, i.e. this update."""
    when = f" millisecond='{int(at_ms)}'" if at_ms is not None else ""
    stamp = (
        f"<local_datetime{when} format_type='date_num'></local_datetime> "
        f"<local_datetime{when} format_type='time'></local_datetime>"
    )
    return f"{escape(who)} · {stamp}"


def _fit(
    parts: dict[str, str], build: Callable[[dict[str, str]], dict[str, Any]]
) -> dict[str, Any]:
    """Builds the card; over MAX_BYTES, shortens its texts in the order of `parts` (each first
    down to a quarter of the budget, then as far as needed), the rest (title, buttons) kept."""
    content = build(parts)
    over = _size(content) - MAX_BYTES
    for floor in (MAX_BYTES // 4, 0):
        for name, markdown in list(parts.items()):
            if over <= 0:
                return content
            current = _size(markdown) - 2
            if not markdown or current <= floor:
                continue
            parts[name] = _shorten(markdown, max(floor, current - over))
            content = build(parts)
            over = _size(content) - MAX_BYTES
    return content  # still over only if the buttons alone are: Feishu will say so, we never raise


def card(
    card: Card, *, text: str = "", clicked: str = "", clicked_at_ms: int | None = None
) -> dict[str, Any]:
    """A card JSON 2.0 object: `text` (the message's words) above the card's body, fields and
    buttons; after a click, a note of who pressed and when."""
    title = _clip(plain(card.title), MAX_TITLE)
    note = clicked_note(clicked, clicked_at_ms) if clicked else ""
    colour = HEADER_TEMPLATES.get(card.tone, HEADER_TEMPLATES["info"])

    def build(parts: dict[str, str]) -> dict[str, Any]:
        elements = [_markdown(parts[k]) for k in ("text", "body", "fields") if parts[k]]
        if card.buttons:
            elements.append(_buttons(card))
        if note:
            elements.append(_markdown(note, text_size="notation"))
        return {
            "schema": "2.0",
            "config": {"update_multi": True, "width_mode": "fill"},
            **(
                {"header": {"title": {"tag": "plain_text", "content": title}, "template": colour}}
                if title
                else {}
            ),
            "body": {"elements": elements},
        }

    parts = {"body": escape(card.body), "text": escape(text), "fields": _fields(card.fields)}
    return _fit(parts, build)


def message(
    msg: Message, *, clicked: str = "", clicked_at_ms: int | None = None
) -> tuple[str, dict[str, Any]]:
    """(msg_type, content) to send; the sender json.dumps the content (ensure_ascii=False)."""
    if msg.card is not None:
        return "interactive", card(
            msg.card, text=msg.text, clicked=clicked, clicked_at_ms=clicked_at_ms
        )
    return "post", post(msg.text)


def ephemeral_card(msg: Message) -> dict[str, Any]:
    """For "visible to one person" (ephemeral/v1/send), which takes cards only. Mentions are
    `<at>` but Feishu does not notify in these cards. `update_multi` stays true: JSON 2.0
    accepts nothing else (such a card cannot be updated anyway)."""
    if msg.card is not None:
        return card(msg.card, text=msg.text)

    def build(parts: dict[str, str]) -> dict[str, Any]:
        return {
            "schema": "2.0",
            "config": {"update_multi": True, "width_mode": "fill"},
            "body": {"elements": [_markdown(parts["text"])]},
        }

    return _fit({"text": escape(msg.text)}, build)
