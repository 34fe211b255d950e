"""WeCom's reply route: one encoder, one decoder, and the stored tokens read as they always did
(rows already in the outbox carry them)."""

from __future__ import annotations

import pytest

from adapters.wecom.reply import Address, App, CardCode, Frame, ReplyTo, decode, encode


@pytest.mark.parametrize(
    ("to", "token"),
    [
        (App(), "app"),
        (Frame("req-1"), "ws:req-1"),
        (
            Address("https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=x:y"),
            "url:https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=x:y",
        ),
        (CardCode("rc-7"), "rc:rc-7"),
        (CardCode(""), "rc:"),
        (Address(""), "url:"),
    ],
)
def test_each_route_is_stored_as_before_and_read_back(to: ReplyTo, token: str) -> None:
    assert encode(to) == token
    assert decode(token) == to


@pytest.mark.parametrize("token", ["", "app", "legacy", "wss:x", "RC:x", "ws", "app:x"])
def test_any_other_token_is_a_message_to_the_person(token: str) -> None:
    assert decode(token) == App()
