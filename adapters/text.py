"""The people in a text, for a platform's render to put in its own form (Feishu's and WeCom's
cards and messages; Slack's mentions need no more than `mentions.render`).

`mentions.render` is the one public way to find the core's resolved markers: `flatten` gives it
a `native` that writes a slot, "\\x02<n>\\x1f\\x03", recording (user id, name) as person n; the
render then puts each person in at their slot (`SLOT`). A slot cannot be forged by the text: any
"\\x02…\\x1f…\\x03" in it is a resolved marker, which `render` has consumed, and what `render`
writes ("@name", "@?") holds no \\x02. Every other marker byte (a malformed marker) is dropped,
so none reaches a platform.
"""

from __future__ import annotations

import re

from bot import mentions

SLOT = re.compile("\x02(\\d+)\x1f\x03")  # person n: its one group is n
_SLOT_OR_STRAY = re.compile("(\x02\\d+\x1f\x03)|[\x02\x03\x1f]")


def flatten(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text with each person who has a user id as a slot, stray marker bytes gone; and
    the people, (user id, name) by slot number."""
    people: list[tuple[str, str]] = []

    def slot(user_id: str, name: str) -> str:
        people.append((user_id, name))
        return f"\x02{len(people) - 1}\x1f\x03"

    flat = mentions.render(text, slot)
    return _SLOT_OR_STRAY.sub(lambda m: m[1] or "", flat), people
