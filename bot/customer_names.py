"""When two names are likely one customer: the duplicate check a CRM runs before it creates one.

Two rules:
- `looks_like`: a slip — the same sound in other characters (a pinyin input method's slip),
  or one keystroke off in one word. The one rule behind every "did you mean", for customers
  and people alike.
- `likeness`: a customer's name compared by its core (`core_of`): compatibility forms folded
  (NFKC, storage.names.name_key), company suffixes (有限公司, 集团, 科技, Inc., Ltd, LLC, Co.…)
  and a city or province before the name or in brackets (深圳…, …（深圳）有限公司) dropped; then
  the same core, a slip in it, or one core the start of the other (恒力 ⊂ 恒力机械).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from bot.customer_words import (
    CITIES,
    EN_LEADING,
    EN_SUFFIXES,
    PLACE_ENDINGS,
    PLACES_LATIN,
    PROVINCES,
    ZH_SUFFIXES,
)
from storage.names import name_key

NEAR_SHOWN = 5  # "did you mean" names at most this many


def _han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


@lru_cache(maxsize=8192)
def _sound(key: str) -> tuple[str, ...]:
    """How a name is typed on a pinyin keyboard: its syllables, tones aside."""
    from pypinyin import lazy_pinyin  # loaded on first use: its tables take a moment

    return tuple(lazy_pinyin(key))


# A slip of one keystroke, by kind, and the shortest word (letters, the longer of the two)
# in which it still reads as a slip rather than another name: two neighbours swapped hardly
# ever make a real name (bbo, Alcie); a letter more or less is a slip from four letters on
# (Acmee, Globx); a letter changed only from five (Mark / Mary, John / Joan are two people).
_SLIP_FROM = {"swap": 3, "extra": 4, "change": 5}


def _slip(a: str, b: str) -> str | None:
    """How two different words are one keystroke apart — "swap", "extra" (a letter added or
    missed) or "change" — or None when they are not."""
    if a == b or abs(len(a) - len(b)) > 1:
        return None
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return "change"
        i, j = diff if len(diff) == 2 else (0, 0)
        return "swap" if j == i + 1 and (a[i], a[j]) == (b[j], b[i]) else None
    short, long = sorted((a, b), key=len)
    i = next((k for k, (x, y) in enumerate(zip(short, long)) if x != y), len(short))
    return "extra" if short[i:] == long[i + 1 :] else None


def looks_like(typed: str, known: str) -> bool:
    """Whether `typed` reads as a slip for the other name `known`.

    - Chinese: the same sound in other characters — what a pinyin input method slips to
      (华微 for 华为, 小章 for 小张, 王经里 for 王经理); 小李, 小赵 and 小张 stay three people.
    - Other scripts: the same words, spaced or punctuated otherwise; or the same words but one,
      one keystroke off (`_slip`, in a word long enough for that slip) and not in its digits
      alone (Acmee for Acme, Globx for Globex, @bbo for @bob) — so lead_a / lead_b,
      rep_a1 / rep_a2, Mark / Mary and Acme 2026 / Acme 2027 are different names, not slips.
    """
    a, b = name_key(typed), name_key(known)
    if a == b:
        return False
    if _han(a) or _han(b):
        return len(a) == len(b) and _han(a) and _han(b) and _sound(a) == _sound(b)
    wa, wb = re.findall(r"[^\W_]+", a), re.findall(r"[^\W_]+", b)
    if not wa or len(wa) != len(wb):
        return False
    pairs = [(x, y) for x, y in zip(wa, wb, strict=True) if x != y]
    if not pairs:
        return True
    if len(pairs) > 1:
        return False
    x, y = pairs[0]
    digitless = (re.sub(r"\d", "", x), re.sub(r"\d", "", y))
    slip = _slip(x, y)
    return (
        slip is not None
        and max(len(x), len(y)) >= _SLIP_FROM[slip]
        and digitless[0] != digitless[1]
    )


def by_likeness(typed: str, names: dict[str, str]) -> list[str]:
    """The names (name → the key it is matched by) that `typed` looks like, likest first."""
    key = name_key(typed)
    score = {
        name: SequenceMatcher(None, key, k).ratio()
        for name, k in names.items()
        if looks_like(key, k)
    }
    return sorted(score, key=lambda n: (-score[n], n))[:NEAR_SHOWN]


# --- the core of a company's name ------------------------------------------------------------

_PLACE = re.compile(
    "(?:"
    + "|".join(sorted({*PROVINCES, *CITIES}, key=len, reverse=True))
    + ")(?:"
    + "|".join(PLACE_ENDINGS)
    + ")?"
)
_BRACKETED = re.compile(r"[(（\[【]\s*([^()（）\[\]【】]{1,12}?)\s*[)）\]】]")
_ZH_SUFFIXES = sorted(ZH_SUFFIXES, key=len, reverse=True)
MIN_HAN = 2  # a Chinese core is at least two characters: 恒 alone names nothing
MIN_LATIN = 3  # a core in other scripts, for a prefix: at least three letters


@dataclass(frozen=True)
class Core:
    """A name without its dress: `place` (深圳, "" when none) and `core` (云帆电子; words
    joined by one space in other scripts)."""

    place: str
    core: str

    @property
    def han(self) -> bool:
        return _han(self.core)


def _place_of(text: str) -> str:
    """The place `text` starts with, its 省/市 ending dropped ("" when none)."""
    m = _PLACE.match(text)
    if not m:
        return ""
    place = m.group()
    for ending in PLACE_ENDINGS:
        place = place.removesuffix(ending)
    return place


@lru_cache(maxsize=16384)
def core_of(name: str) -> Core:
    """`name` without its legal form and place: 深圳云帆电子科技有限公司 → (深圳, 云帆电子),
    云帆电子（深圳）有限公司 → (深圳, 云帆电子), ACME Ltd → ("", acme). A name that is only
    dress (北京科技有限公司) keeps enough to name something."""
    key = name_key(name)
    place = ""

    def bracket(m: re.Match[str]) -> str:
        nonlocal place
        inner = m.group(1)
        found = _PLACE.fullmatch(inner) or (
            inner.casefold() in PLACES_LATIN and re.fullmatch(r"[a-z]+", inner)
        )
        if not found:
            return m.group()
        place = _place_of(inner) or inner
        return " "

    key = _BRACKETED.sub(bracket, key)
    if _han(key):
        compact = re.sub(r"[\W_]+", "", key)
        if (m := _PLACE.match(compact)) and len(compact) - m.end() >= MIN_HAN:
            place, compact = place or _place_of(compact), compact[m.end() :]
        stripped = True
        while stripped:
            stripped = False
            for suffix in _ZH_SUFFIXES:
                if compact.endswith(suffix) and len(compact) - len(suffix) >= MIN_HAN:
                    compact, stripped = compact[: -len(suffix)], True
                    break
        return Core(place, compact)
    words = re.findall(r"[^\W_]+", key)
    while len(words) > 1 and words[0] in EN_LEADING:
        words = words[1:]
    if len(words) > 1 and words[0] in PLACES_LATIN:
        place, words = place or words[0], words[1:]
    while len(words) > 1 and words[-1] in EN_SUFFIXES:
        words = words[:-1]
    return Core(place, " ".join(words) if words else key)


def _starts(short: Core, long: Core) -> bool:
    """One core the start of the other: 恒力 of 恒力机械, `acme` of `acme robotics` (whole
    words), never a single character or two letters."""
    if short.han or long.han:
        return len(short.core) >= MIN_HAN and long.core.startswith(short.core)
    a, b = short.core.split(), long.core.split()
    return len(short.core) >= MIN_LATIN and b[: len(a)] == a


def likeness(typed: str, known: str) -> int | None:
    """How likely `typed` names the customer called (or aliased) `known`: 0 the same name,
    1 the same core, 2 a slip, 3 one core the start of the other; None: another customer.
    Two different places (北京恒力, 上海恒力) are two customers."""
    if name_key(typed) == name_key(known):
        return 0
    a, b = core_of(typed), core_of(known)
    same_place = not a.place or not b.place or a.place == b.place
    if a.core == b.core:
        return 1 if same_place else None
    if looks_like(typed, known) or (same_place and looks_like(a.core, b.core)):
        return 2
    if not same_place:
        return None
    short, long = sorted((a, b), key=lambda c: len(c.core))
    return 3 if _starts(short, long) else None
