"""Text cut into pieces of at most so many UTF-8 bytes (WeCom's limits are in bytes), each
ending at the best boundary there is: never inside a character, an emoji sequence or a person.
Pure; adapters/wecom/render.py renders, this only cuts."""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable

Atoms = list[tuple[int, int]]  # spans of a string that must not be cut: the people

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


def hard_cut(s: str, start: int, end: int, atoms: Atoms) -> int:
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
    return hard_cut(s, start, end, atoms), 0


def split(s: str, atoms: Atoms, limit: int, fix: Callable[[str], str] | None = None) -> list[str]:
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
            cut, sep = hard_cut(s, start, lo, atoms), 0
        while cut > start + 1 and not fits(s[start:cut]):  # the limit is the one hard rule
            cut, sep = cut - 1, 0
        pieces.append(put(s[start:cut]))
        start = cut + sep
    return pieces


def parts(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` UTF-8 bytes, in order. A piece ends at a line break
    (dropped), else at a space (dropped), else after Chinese punctuation, else between two
    characters; never inside a character (nor a skin tone, ZWJ sequence or flag), nor inside a
    person ("\\x02…\\x03" marker or `<@userid>`) unless one person alone is over the limit.
    Rejoining the pieces with what was dropped ("\\n", " " or nothing) gives `text` back.
    An empty text gives [] (nothing to send); a text that fits gives [text]."""
    return split(text, [(m.start(), m.end()) for m in _ATOM.finditer(text)], limit)
