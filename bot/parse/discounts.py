"""Discounts as people write them, in percent off the price: 12%, 12% off, and the Chinese
折 forms, which name the share paid (九折 = 90 % paid = 10 % off, 八五折 = 15 %, 88折 = 12 %)."""

from __future__ import annotations

import re
from decimal import Decimal

from bot.parse.normalize import normalize

_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")}
_PERCENT = re.compile(r"(\d{1,2}(?:\.\d{1,2})?)\s*%(?:\s*off)?", re.IGNORECASE)
_ZHE = re.compile(r"打?([0-9一二三四五六七八九](?:\.?[0-9一二三四五六七八九])?)折")


def parse_discount(text: str) -> Decimal | None:
    """A discount in percent: 12% → 12, 九折 → 10, 八五折 → 15, 88折 → 12, 8.5折 → 15."""
    t = normalize(text).strip()
    if m := _PERCENT.fullmatch(t):
        value = Decimal(m[1])
        return value if 0 < value < 100 else None
    if m := _ZHE.fullmatch(t):
        digits = "".join(str(_CN_DIGIT.get(c, c)) for c in m[1])
        if "." in digits or len(digits) == 1:  # 8.5折, 九折: 85 %, 90 % of the price
            paid = Decimal(digits) * 10
        else:  # 88折, 八五折: 88 %, 85 %
            paid = Decimal(digits)
        return 100 - paid if 0 < paid < 100 else None
    return None
