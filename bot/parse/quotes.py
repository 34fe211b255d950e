"""The customer's words as a rep quotes them: `"支持私有化部署"`, `“…”`, `「…」`. One layer of
matching quotes around the whole text is the rep's, not the customer's: it is taken off, and
the words inside are kept verbatim (quotes within them stay)."""

from __future__ import annotations

# opening quote -> its closing quote (ASCII, full-width, Chinese curly and corner quotes)
PAIRS = {
    '"': '"',
    "'": "'",
    "＂": "＂",
    "＇": "＇",
    "“": "”",
    "‘": "’",
    "「": "」",
    "『": "』",
    "”": "”",  # a phone keyboard's “same both sides”
}


def unquote(text: str) -> str:
    """`text` without one layer of matching quotes that wrap all of it; as it was otherwise
    (an unmatched quote, quotes around only a part, or nothing inside)."""
    t = text.strip()
    if len(t) > 2 and PAIRS.get(t[0]) == t[-1] and _wraps(t):
        inner = t[1:-1].strip()
        if inner:
            return inner
    return t


def _wraps(t: str) -> bool:
    """The first quote is closed by the last one, not earlier (`"A" and "B"` is two quotes)."""
    opening, closing = t[0], t[-1]
    depth = 0
    for k, ch in enumerate(t):
        if ch == closing and (opening == closing and k > 0 or opening != closing):
            depth -= 1
            if depth == 0:
                return k == len(t) - 1
        elif ch == opening:
            depth += 1
    return False
