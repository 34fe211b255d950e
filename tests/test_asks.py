"""Which customer messages in a shared channel ask something (and open a tracked question)."""

from __future__ import annotations

import pytest

from bot.parse.asks import asks_something

CASES = [
    ("Do you support SAML single sign-on?", True),
    ("Can we get the quote by Friday", True),
    ("What's the price for 40 seats", True),
    ("How long does deployment take", True),
    ("Is there an on-premise option", True),
    ("any update on the contract", True),
    ("We need to know the SLA?", True),
    ("是否支持国产数据库？", True),
    ("报价什么时候能发过来", True),
    ("可以私有化部署吗", True),
    ("请问合同模板在哪里", True),
    ("能不能下周演示", True),
    ("交付周期多少天", True),
    ("有没有案例可以参考", True),
    ("thanks!", False),
    ("Thank you so much", False),
    ("thx", False),
    ("ok", False),
    ("Got it", False),
    ("Hi team", False),
    ("Good morning everyone", False),
    ("👍", False),
    ("🙏🙏", False),
    ("...", False),
    ("", False),
    ("谢谢", False),
    ("好的", False),
    ("收到！", False),
    ("大家好", False),
    ("辛苦了", False),
    ("We signed the PO today.", False),
    ("合同已经盖章寄出", False),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_asks_something(text: str, expected: bool) -> None:
    assert asks_something(text) is expected
