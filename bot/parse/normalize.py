"""Character-level normalisation of chat text, plus Chinese numerals.

normalize() maps every character to exactly one character, so len(normalize(s)) == len(s).
Callers search the normalised text and slice the ORIGINAL text with the indexes they found,
which keeps the user's own words (full-width punctuation, curly quotes) verbatim in notes.
Never add a mapping that changes the length (no NFKC, no str.lower() on non-ASCII).
"""

from __future__ import annotations

import string

from storage.names import PUNCTUATION

__all__ = ["CN_NUM", "ascii_lower", "cn_int", "normalize"]

_TABLE: dict[int, str] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
_TABLE.update(PUNCTUATION)  # curly quotes and 、, read as names are matched
_TABLE.update(
    {
        0x3000: " ",  # ideographic space
        0xFFE5: "¥",  # full-width yen/yuan sign, outside the FF01..FF5E block
        0xFFE1: "£",
    }
)
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_NUM = "[一二两三四五六七八九]?十[一二三四五六七八九]?|[零〇一二两三四五六七八九]"
"""Regex alternation for a Chinese numeral 0..99 (wrap it in a group before use)."""


def normalize(text: str) -> str:
    """Fold full-width ASCII, ideographic space, curly quotes and 、 to ASCII, 1 char → 1 char."""
    return text.translate(_TABLE)


def ascii_lower(text: str) -> str:
    """Lower-case A-Z only; str.lower() may change the length of non-ASCII text."""
    return text.translate(_LOWER)


def cn_int(s: str) -> int:
    """'12' / '十二' / '两' / '二十五' → int; `s` is ASCII digits or a match of CN_NUM."""
    if s.isascii():
        return int(s)
    tens, ten, ones = s.partition("十")
    if not ten:
        return _CN_DIGITS[s]
    return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)
