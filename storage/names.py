"""What a stored name may hold, and the key it is matched by.

Storage owns this because a column's content is defined by it (customers.name_key,
customer_aliases.alias_key) and because migrations that clean stored names must apply the very
rules new text passes through; the edge (bot/events.py) cleans everything typed with `clean`.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 control characters except tab and newline, and lone surrogates (what a broken
# JSON escape leaves): never meant, stores refuse some (PostgreSQL refuses NUL, no encoding
# has a lone surrogate), and the core uses two controls to mark people (bot/mentions.py)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# invisible characters that make one name look like another, or reorder what is shown:
# zero-width space / non-joiner, word joiner, BOM, Mongolian vowel separator, soft hyphen,
# invisible math operators, deprecated format controls, interlinear annotation marks, and the
# bidirectional marks, embeddings, overrides and isolates
_INVISIBLE = re.compile(
    "[\u200b\u200c\u2060-\u2064\ufeff\u180e\u00ad\u206a-\u206f\ufff9-\ufffb"
    "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]"
)
_ZWJ = "\u200d"

# Typed punctuation that reads as ASCII's and that NFKC leaves alone (curly quotes, 、)
PUNCTUATION: dict[int, str] = {
    0x201C: '"',
    0x201D: '"',
    0x2018: "'",
    0x2019: "'",
    0x3001: ",",  # 、
}


def drop_controls(text: str) -> str:
    return _CONTROL.sub("", text)


def _emojiish(ch: str) -> bool:
    """A pictograph (or the variation selector / skin tone that ends one) — what a
    zero-width joiner legitimately joins, as in 👨‍👩‍👧 or 🏳️‍🌈."""
    cp = ord(ch)
    return 0x1F000 <= cp <= 0x1FAFF or cp in (0xFE0F, 0x20E3) or unicodedata.category(ch) == "So"


def _joiners(text: str) -> str:
    """Keep a zero-width joiner only between two emoji; elsewhere it only disguises."""
    if _ZWJ not in text:
        return text
    out = []
    for i, ch in enumerate(text):
        if ch == _ZWJ and not (
            0 < i < len(text) - 1 and _emojiish(text[i - 1]) and _emojiish(text[i + 1])
        ):
            continue
        out.append(ch)
    return "".join(out)


def clean(text: str) -> str:
    """What a person wrote, without control characters (newlines and tabs stay): they are
    never meant, some stores refuse them (NUL), and the core uses two to mark people.
    Zero-width and bidirectional controls go too, so `Acme\u200b` or a right-to-left override
    can never pass for (or disguise) a name; a zero-width joiner stays inside an emoji."""
    return _joiners(_INVISIBLE.sub("", drop_controls(text.replace("\r\n", "\n"))))


def _invisible(ch: str) -> bool:
    """Format characters (zero-width, bidi, tags, …), variation selectors and the combining
    grapheme joiner: nothing a reader sees, so nothing that may tell two names apart."""
    cp = ord(ch)
    return (
        unicodedata.category(ch) == "Cf"
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or cp == 0x034F
    )


def name_key(name: str) -> str:
    """What a name is matched by: compatibility forms folded (NFKC: full-width, ligatures,
    circled letters…), curly quotes and 、 read as ASCII's, invisible characters dropped,
    spaces collapsed, case folded — so a name that looks like another is the other."""
    text = unicodedata.normalize("NFKC", name.translate(PUNCTUATION))
    text = "".join(ch for ch in text if not _invisible(ch))
    return unicodedata.normalize("NFKC", " ".join(text.split()).casefold())
