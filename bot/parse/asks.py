"""Does a customer's chat message ask something? Pure heuristics, English and Chinese."""

from __future__ import annotations

import re

from bot.parse.normalize import normalize

_POLITE = re.compile(
    r"^(?:thanks?(?: you| a lot| so much)?|thx|ty|cheers|great|ok(?:ay)?|got it|sounds good|"
    r"hi|hello|hey|good (?:morning|afternoon|evening)|bye|see you|"
    r"谢谢(?:你|您)?|多谢|感谢|好的|收到|明白|了解|嗯+|哦+|你好|您好|大家好|早上好|早|再见|辛苦了?)"
    r"(?:\s*(?:all|everyone|team|大家))?[\s!.,~。！，～]*$",
    re.IGNORECASE,
)
_EN_ASK = re.compile(
    r"^(?:how|what|when|where|why|which|who|whom|whose|can|could|would|will|do|does|did|is|are|"
    r"was|were|should|may|might|shall|have|has|any)\b",
    re.IGNORECASE,
)
_ZH_ASK = re.compile(
    r"吗|是否|能否|能不能|可不可以|可否|怎么|如何|什么|哪|多少|几[个时天点]|请问|有没有|是不是|呢[\s。！]*$"
)


def asks_something(text: str) -> bool:
    t = normalize(text or "").strip()
    if not any(ch.isalnum() for ch in t):
        return False  # emoji, punctuation, nothing
    if _POLITE.match(t):
        return False
    if "?" in t:
        return True
    return bool(_EN_ASK.match(t) or _ZH_ASK.search(t))
