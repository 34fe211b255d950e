"""Stored Feishu deliveries → Events, through FeishuPlatform.parse with its real lark-oapi client
against the local fake Open API (bot info, contact lookups)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.feishu import edge
from adapters.feishu.config import FeishuSection
from adapters.feishu.platform import FeishuPlatform
from adapters.platform import Services
from bot.i18n import Words
from bot.inbox import Claimed
from tests.fakes import feishu_signing as signing
from tests.fakes.feishu_api import FakeFeishu

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeFeishu]:
    with FakeFeishu(app_id=signing.APP_ID) as api:
        api.people["ou_alice"] = {
            "open_id": "ou_alice",
            "name": "小李",
            "time_zone": "Asia/Shanghai",
        }
        yield api


def platform(fake: FakeFeishu, domain: str | None = None) -> FeishuPlatform:
    config = FeishuSection.model_validate(
        {
            "app_id": signing.APP_ID,
            "app_secret": fake.app_secret,
            "mode": "websocket",
            "domain": domain or fake.url,
        }
    )
    return FeishuPlatform(
        config=config, services=Services(ingress=None, words=Words(), locale="zh_CN")
    )


def row(event: dict[str, Any]) -> Claimed:
    incoming = edge.classify(event)
    return Claimed(
        id=1,
        platform="feishu",
        workspace=incoming.workspace,
        payload=incoming.payload,
        attempts=0,
        received_at=NOW,
    )


def contact_calls(fake: FakeFeishu) -> int:
    return sum(1 for _, path, _ in fake.calls if path.startswith("/open-apis/contact/"))


def test_mention_keys_become_people_and_the_bots_own_says_it_is_addressed(
    fake: FakeFeishu,
) -> None:
    mentions = [("@_user_1", signing.BOT, "dealbot")] + [
        (f"@_user_{n}", f"ou_p{n}", f"同事{n}") for n in range(2, 11)
    ]
    text = "@_user_1 /团队 华东 @_user_10 @_user_2"
    event = platform(fake).parse(
        row(signing.message_event(text, message_id="om_1", mentions=mentions))
    )
    assert event is not None and event.addressed
    assert event.text == "/团队 华东 @ou_p10 @ou_p2"  # `@_user_10` is not `@_user_1` + "0"
    assert {m.user_id: m.name for m in event.mentions}["ou_p10"] == "同事10"
    assert event.user_name == "小李" and event.user_timezone == "Asia/Shanghai"
    assert event.workspace_id == signing.HOME and event.workspace_zone == "Asia/Shanghai"
    assert event.message_id == "om_1" and event.reply is not None
    assert event.reply.thread == "om_1"  # in a group the answer quotes the message


def test_who_is_addressed(fake: FakeFeishu) -> None:
    p = platform(fake)
    dm = p.parse(row(signing.message_event("记录 华为 电话", message_id="om_2", chat_type="p2p")))
    overheard = p.parse(row(signing.message_event("下周见", message_id="om_3")))
    typed = p.parse(row(signing.message_event("/记录 华为 电话 没有@", message_id="om_4")))
    assert dm is not None and dm.addressed and dm.reply is not None and dm.reply.thread is None
    assert overheard is not None and not overheard.addressed
    assert typed is not None and typed.addressed  # no slash commands here: a typed one counts


def test_a_customer_in_an_external_group_is_an_outsider_and_never_looked_up(
    fake: FakeFeishu,
) -> None:
    event = platform(fake).parse(
        row(
            signing.message_event(
                "请问支持国产数据库吗？",
                message_id="om_5",
                open_id="ou_cust",
                sender_tenant_key="tk_customer",
                mentions=[("@_user_2", "ou_other", "对方同事")],
            )
        )
    )
    assert event is not None and event.from_other_org and not event.profile_known
    assert contact_calls(fake) == 0  # another tenant's people cannot be looked up


def test_without_the_contact_scope_names_come_from_mentions_and_it_is_not_asked_twice(
    fake: FakeFeishu,
) -> None:
    fake.contact_denied = True
    p = platform(fake)
    mentions = [("@_user_1", signing.BOT, "dealbot"), ("@_user_2", "ou_wang", "王经理")]
    for n in range(2):
        event = p.parse(
            row(
                signing.message_event(
                    "@_user_1 /需求 华为 数据不出机房 确认人 @_user_2",
                    message_id=f"om_d{n}",
                    mentions=mentions,
                )
            )
        )
        assert event is not None and not event.profile_known
        assert event.user_name == "ou_alice"  # the id, until a lookup is permitted
        assert [(m.user_id, m.name) for m in event.mentions] == [("ou_wang", "王经理")]
    assert contact_calls(fake) == 1


def test_a_failed_lookup_is_asked_again(fake: FakeFeishu) -> None:
    p = platform(fake)
    original = fake.answer

    def flaky(method: str, path: str, *args: Any) -> Any:
        if path.startswith("/open-apis/contact/") and contact_calls(fake) == 0:
            with fake.lock:
                fake.calls.append((method, path, {}))
            return 500, {"code": 1, "msg": "internal error"}, {}
        return original(method, path, *args)

    fake.answer = flaky  # type: ignore[method-assign]
    first = p.parse(row(signing.message_event("/记录 华为 电话 一", message_id="om_f1")))
    second = p.parse(row(signing.message_event("/记录 华为 电话 二", message_id="om_f2")))
    assert first is not None and not first.profile_known
    assert second is not None and second.profile_known and second.user_name == "小李"
    assert contact_calls(fake) == 2


def test_a_rich_text_message_reads_as_its_words(fake: FakeFeishu) -> None:
    event = signing.message_event(
        "",
        message_id="om_post",
        message_type="post",
        mentions=[("@_user_1", signing.BOT, "dealbot")],
    )
    event["event"]["message"]["content"] = json.dumps(
        {
            "title": "",
            "content": [
                [
                    {"tag": "at", "user_id": "@_user_1", "user_name": "dealbot"},
                    {"tag": "text", "text": " /记录 华为 拜访 "},
                    {"tag": "text", "text": "关注交付"},
                ]
            ],
        },
        ensure_ascii=False,
    )
    parsed = platform(fake).parse(row(event))
    assert parsed is not None and parsed.text == "/记录 华为 拜访 关注交付" and parsed.addressed


def test_a_click_is_an_action_on_its_card(fake: FakeFeishu) -> None:
    click = signing.card_action(
        {"b": "req.confirm:3"}, open_id="ou_alice", chat_id="oc_sales", message_id="om_card9"
    )
    event = platform(fake).parse(row(click))
    assert event is not None and event.action is not None
    assert event.action.button_id == "req.confirm:3"
    assert event.reply is not None and event.reply.card_message == "om_card9"
    assert not event.from_other_org
    outsider = signing.card_action({"b": "req.confirm:3"}, open_id="ou_cust")
    outsider["event"]["operator"]["tenant_key"] = "tk_customer"
    parsed = platform(fake).parse(row(outsider))
    assert parsed is not None and parsed.from_other_org


def test_lark_workspaces_are_not_assumed_to_be_in_china(fake: FakeFeishu) -> None:
    p = platform(fake, domain="https://open.larksuite.com")
    assert p.zone is None
    assert platform(fake).zone == "Asia/Shanghai"


def _mutations(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every place in an event, with each wrong thing it could hold instead."""
    for wrong in (None, 7, "", "x", [], {}, [{}], {"x": 1}):
        if path:
            yield path, wrong
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _mutations(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _mutations(v, (*path, i))


def _set(event: Any, path: tuple[Any, ...], wrong: Any) -> Any:
    copy = json.loads(json.dumps(event))
    node = copy
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = wrong
    return copy


@pytest.mark.parametrize("kind", ["message", "action"])
def test_no_malformed_event_gets_past_the_edge_to_crash_the_parser(
    fake: FakeFeishu, kind: str
) -> None:
    """The edge refuses (400) what the parser could not read; what it lets in parses to an
    Event, or to nothing, or is dead-lettered as Malformed: never another exception."""
    from adapters.edge import Refused
    from bot.intake import Malformed

    good = (
        signing.message_event(
            "@_user_1 /记录 华为 电话 @_user_2",
            message_id="om_m",
            mentions=[("@_user_1", signing.BOT, "dealbot"), ("@_user_2", "ou_wang", "王经理")],
        )
        if kind == "message"
        else signing.card_action({"b": "req.confirm:1"})
    )
    p = platform(fake)
    checked = 0
    for path, wrong in _mutations(good):
        event = _set(good, path, wrong)
        try:
            incoming = edge.classify(event)
        except Refused as e:
            assert e.status == 400
            continue
        if incoming.payload:
            try:
                p.parse(
                    Claimed(
                        id=1,
                        platform="feishu",
                        workspace=incoming.workspace,
                        payload=incoming.payload,
                        attempts=0,
                        received_at=NOW,
                    )
                )
            except Malformed:
                pass
        checked += 1
    assert checked > 20  # plenty of harmless changes got through and parsed
