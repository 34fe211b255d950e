"""A task given to someone (`/待办 华为 复盘 明天下午3点 @小张`, `/task Acme review Fri @bob`): a
mention first or last is the task's owner, who is told; the words and the deadline are read as
without it. Before, a trailing mention made the deadline unreadable and a leading one stayed in
the task's words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import Person, Task
from tests.chat import Chat
from tests.test_people_customers import Console  # the console's events: names typed, no ids


@pytest.fixture
def zh(sessions):  # type: ignore[no-untyped-def]
    chat = Console(sessions, tz="Asia/Shanghai", locale="zh_CN", now="2026-12-28 10:00")
    chat.say("王经理", "/团队 华东 @王经理 @小李 @小张")
    return chat


@pytest.fixture
def en(sessions):  # type: ignore[no-untyped-def]
    chat = Console(sessions, now="2026-12-28 10:00")
    chat.say("boss", "/team east @boss @alice @bob")
    return chat


def _tasks(chat: Chat) -> list[tuple[str, str, str]]:
    with chat.bot.sessions() as s:
        rows = s.execute(
            select(Task.text, Person.display_name, Task.due_at)
            .join(Person, Person.id == Task.owner_id)
            .order_by(Task.id)
        ).all()
        return [(text, who, due.isoformat()) for text, who, due in rows]


def _id(chat: Chat, name: str) -> int:
    with chat.bot.sessions() as s:
        return s.scalars(select(Person.id).where(Person.display_name == name)).one()


@pytest.mark.parametrize(
    "line", ["/待办 华为 复盘 明天下午3点 @小张", "/待办 华为 @小张 复盘 明天下午3点"]
)
def test_a_mention_first_or_last_gives_the_task_to_that_person_zh(zh: Chat, line: str) -> None:
    reply = zh.say("小李", line)
    assert "添加待办 T1（负责人 @小张）：复盘 — 截止 12月29日 周二 15:00" in reply, reply
    assert _tasks(zh) == [("复盘", "小张", "2026-12-29T07:00:00+00:00")]
    assert "@小李 给你新增了华为的待办 T1：复盘" in zh.pushes()[_id(zh, "小张")]


def test_a_mention_first_or_last_gives_the_task_to_that_person_en(en: Chat) -> None:
    reply = en.say("alice", "/task Acme review the SOW tomorrow 3pm @bob")
    assert "Task T1 for Acme (owner @bob): review the SOW — due Tue Dec 29 15:00" in reply, reply
    assert _tasks(en) == [("review the SOW", "bob", "2026-12-29T15:00:00+00:00")]
    assert "@alice gave you a task for Acme — T1: review the SOW" in en.pushes()[_id(en, "bob")]


def test_a_task_of_ones_own_says_no_owner_and_tells_no_one(zh: Chat) -> None:
    reply = zh.say("小李", "/待办 华为 复盘 明天下午3点 @小李")
    assert "负责人 @" not in reply and zh.pushes() == {}
    assert _tasks(zh) == [("复盘", "小李", "2026-12-29T07:00:00+00:00")]


def test_a_mention_inside_the_words_stays_part_of_them(en: Chat) -> None:
    en.say("alice", "/task Acme ask @bob about pricing tomorrow 3pm")
    assert _tasks(en) == [("ask @bob about pricing", "alice", "2026-12-29T15:00:00+00:00")]


def test_a_slip_in_the_owner_is_asked_back_and_nothing_is_saved(zh: Chat) -> None:
    reply = zh.say("小李", "/待办 华为 复盘 明天下午3点 @小章")
    assert "你是不是要找 @小张" in reply and "/待办 华为 复盘 明天下午3点 @小张" in reply, reply
    assert _tasks(zh) == []
