"""Issue 18, item 3: the kind of touch written as a verb anywhere in /log's notes, and the
shorter next-step markers (下步, 后续：, 待办：, TODO:, follow-up:, then:), in both languages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.grammar.touch_words import NEXT_STEP, touch_in
from bot.parse.normalize import normalize
from storage.models import Activity, Task
from tests.chat import Chat

VERBS = [
    ("今天给刘总打了个电话，聊了报价", "call", "打了个电话"),
    ("打了电话没人接", "call", "打了电话"),
    ("下午电话了一下", "call", "电话了"),
    ("回了个电话", "call", "回了个电话"),
    ("微信聊了几句", "chat", "微信聊了"),
    ("微信上聊了交付", "chat", "微信上聊了"),
    ("在群里沟通了排期", "chat", "群里沟通了"),
    ("线上聊了需求", "chat", "线上聊了"),
    ("DMed Bob the deck", "chat", "DMed"),
    ("视频了一下，演示了产品", "meeting", "视频了"),
    ("视频会议 讨论方案", "meeting", "视频会议"),
    ("开了个线上会", "meeting", "开了个线上会"),
    ("上门拜访了刘总", "visit", "上门拜访了"),
    ("见了客户，聊得不错", "visit", "见了"),
    ("发了邮件，附报价", "email", "发了邮件"),
    ("Called them about pricing", "call", "Called"),
    ("phoned Bob", "call", "phoned"),
    ("left voicemail for Bob", "call", "left voicemail"),
    ("Left him a voicemail", "call", "Left him a voicemail"),
    ("emailed the deck", "email", "emailed"),
    ("sent them an email with the quote", "email", "sent them an email"),
    ("met with the CFO", "visit", "met with"),
    ("visited their plant", "visit", "visited"),
    ("video call with IT", "meeting", "video call"),
    ("zoomed with the team", "meeting", "zoomed"),
    ("texted Bob the link", "chat", "texted"),
    # the first verb written decides; a denied one is none
    ("called them and emailed the deck", "call", "called"),
    ("先发了邮件，又打了个电话", "email", "发了邮件"),
    ("we didn't call, emailed instead", "email", "emailed"),
]


@pytest.mark.parametrize(("notes", "kind", "words"), VERBS)
def test_a_verb_in_the_notes_is_the_kind(notes: str, kind: str, words: str) -> None:
    assert touch_in(notes) == (kind, words)


@pytest.mark.parametrize(
    "notes",
    [
        "Discussed pricing",
        "客户很满意",
        "提了意见了",
        "a product so-called Foo",
        "recall the callback",
    ],
)
def test_notes_without_a_verb_are_a_note(notes: str) -> None:
    assert touch_in(notes) is None


MARKERS = [
    ("客户满意 下一步：周五前发方案", "下一步:"),
    ("客户满意 下步 周三发报价", "下步 "),
    ("客户满意 下步：周三发报价", "下步:"),
    ("客户满意 后续：下周二约上门", "后续:"),
    ("客户满意 后续:下周二约上门", "后续:"),
    ("客户满意 待办：报价", "待办:"),
    ("客户满意 接下来：发方案", "接下来:"),
    ("Good call. next: send quote", "next:"),
    ("Good call. Next step - send quote", "Next step -"),
    ("Good call. TODO: quote", "TODO:"),
    ("Good call. follow-up: demo", "follow-up:"),
    ("Good call. Follow up: demo", "Follow up:"),
    ("Good call, then: call back Fri", "then:"),
]


@pytest.mark.parametrize(("text", "marker"), MARKERS)
def test_next_step_markers(text: str, marker: str) -> None:
    m = NEXT_STEP.search(normalize(text))
    assert m is not None and m.group() == normalize(marker)


@pytest.mark.parametrize(
    "text",
    [
        "客户说后续再评估",  # 后续, 待办, 接下来 in a sentence are words, not markers
        "接下来他们要内部讨论",
        "待办事项很多",
        "请看一下步骤",
        "called them, then emailed the deck",  # then, next, todo without a colon: words
        "the next release is in May",
        "todo list reviewed",
    ],
)
def test_words_in_a_sentence_are_not_markers(text: str) -> None:
    assert NEXT_STEP.search(normalize(text)) is None


@pytest.fixture
def en(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions, now="2026-12-07 10:00")


@pytest.fixture
def zh(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions, tz="Asia/Shanghai", locale="zh_CN", now="2026-12-07 10:00")


def kinds(chat: Chat) -> list[tuple[str, str]]:
    with chat.bot.sessions() as s:
        return [(a.type, a.text) for a in s.scalars(select(Activity).order_by(Activity.id))]


def tasks(chat: Chat) -> list[str]:
    with chat.bot.sessions() as s:
        return [t.text for t in s.scalars(select(Task).order_by(Task.id))]


def test_zh_verbs_count_as_calls_visits_and_meetings(zh: Chat) -> None:
    reply = zh.say("小李", "/记录 华为 今天给刘总打了个电话，聊了报价 下一步：周五前发方案")
    assert "✓ @小李 记录了与华为的电话：“今天给刘总打了个电话，聊了报价”" in reply
    assert "（根据“打了个电话”记为电话；如不是，请把类型写在客户名后：/记录 华为 邮件 …）" in reply
    assert "微信上聊了" in zh.say("小李", "/记录 华为 微信上聊了交付周期")
    zh.say("小李", "/记录 华为 视频了一下，演示了产品 后续：下周二约上门")
    zh.say("小李", "/记录 华为 上门拜访了刘总，客户说后续再评估")
    reply = zh.say("小李", "/记录 华为 备注 打了电话没人接")  # a kind's word written: it stays
    assert "的备注：“打了电话没人接”" in reply and "根据" not in reply
    reply = zh.say("小李", "/记录 华为 客户很满意 下步 周三发报价")
    assert "的备注：“客户很满意”" in reply and "下一步 T3：发报价 — 截止 12月9日 周三" in reply
    assert kinds(zh) == [
        ("call", "今天给刘总打了个电话，聊了报价 下一步：周五前发方案"),
        ("chat", "微信上聊了交付周期"),
        ("meeting", "视频了一下，演示了产品 后续：下周二约上门"),
        ("visit", "上门拜访了刘总，客户说后续再评估"),
        ("note", "打了电话没人接"),
        ("note", "客户很满意 下步 周三发报价"),
    ]
    assert tasks(zh) == ["发方案", "约上门", "发报价"]  # "后续再评估" is not a step
    reply = zh.say("小李", "/进度")
    assert "电话 1" in reply and "拜访 1" in reply and "会议 1 · 跟进合计 6" in reply


def test_en_verbs_count_as_calls_visits_and_meetings(en: Chat) -> None:
    reply = en.say(
        "alice",
        "/log Acme Called them about pricing, then emailed the deck. next: send quote by Fri",
    )
    assert (
        "✓ @alice logged a call with Acme: “Called them about pricing, then emailed the deck.”"
        in reply
    )
    assert (
        "(Read as a call from “Called”. Another kind? Put it after the customer: /log Acme email …)"
        in reply
    )
    en.say("alice", "/log Acme left voicemail for Bob")
    reply = en.say("alice", "/log Acme met with the CFO on site TODO: security review by Wed")
    assert "logged a visit with Acme: “met with the CFO on site”" in reply
    assert "Next step T2: security review — due Wed Dec 9" in reply
    en.say("alice", "/log Acme zoomed with IT follow-up: send the SSO doc")
    assert "logged a note" in en.say("alice", "/log Acme Discussed the renewal")
    assert [k for k, _ in kinds(en)] == ["call", "call", "visit", "meeting", "note"]
    assert tasks(en) == ["send quote", "security review", "send the SSO doc"]
    reply = en.say("alice", "/progress")
    assert "calls 2" in reply and "visits 1" in reply and "meetings 1 · touches in all 5" in reply
