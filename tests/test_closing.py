"""Issue 18 item 7, what closing and answering leave behind: a won or lost deal's open tasks
offered for closing, an answer kept with its question, an overlapping meeting warned about
(and cancelled), a quoted requirement shown once quoted, and the digest's yesterday and reps.

Every test talks to the real Bot on a real store (SQLite file and PostgreSQL), in English and
in Chinese.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.parse.quotes import unquote
from storage.models import AuditEntry, Question, RequirementVersion
from tests.chat import Chat


@pytest.fixture
def en(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions, now="2026-12-28 09:00")


@pytest.fixture
def zh(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions, tz="Asia/Shanghai", locale="zh_CN", now="2026-12-28 09:00")


def rows(chat: Chat, model):  # type: ignore[no-untyped-def]
    with chat.bot.sessions() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def audit(chat: Chat, action: str) -> list[AuditEntry]:
    return [e for e in rows(chat, AuditEntry) if e.action == action]


# --- /answered 12 <the answer> -----------------------------------------------------------------


def test_answered_keeps_the_answer_and_customer_shows_it_en(en: Chat) -> None:
    en.say("alice", "/question Acme do you support Oracle?")
    reply = en.say("alice", '/answered Q1 "yes, 19c and later"')
    assert "✓ Q1 (Acme) answered: “do you support Oracle?”" in reply
    assert "→ “yes, 19c and later”" in reply
    [q] = rows(en, Question)
    assert (q.status, q.answer) == ("answered", "yes, 19c and later")
    shown = en.say("alice", "/customer Acme")
    assert "Answered questions (latest first):" in shown
    assert "Q1 “do you support Oracle?” → “yes, 19c and later”" in shown
    assert "already answered: “yes, 19c and later”" in en.say("alice", "/answered 1")


def test_answered_keeps_the_answer_and_customer_shows_it_zh(zh: Chat) -> None:
    zh.say("小李", "/问题 华为 支持国产数据库吗")
    reply = zh.say("小李", "/已答复 1 支持达梦和人大金仓")
    assert "✓ Q1（华为）已答复：“支持国产数据库吗”" in reply
    assert "→ “支持达梦和人大金仓”" in reply
    [q] = rows(zh, Question)
    assert q.answer == "支持达梦和人大金仓"
    assert "Q1 “支持国产数据库吗” → “支持达梦和人大金仓”" in zh.say("小李", "/客户 华为")


def test_answered_without_an_answer_closes_and_a_later_answer_is_kept(zh: Chat) -> None:
    zh.say("小李", "/问题 华为 支持国产数据库吗")
    assert "如需记下答复内容：/已答复 1 <答复内容>" in zh.say("小李", "/已答复 #1")
    assert "已为 Q1（华为）记下答复" in zh.say("小李", "/已答复 Q1 支持")
    assert rows(zh, Question)[0].answer == "支持"


def test_answered_refuses_a_line_without_a_number(en: Chat, zh: Chat) -> None:
    assert "“Oracle” is not a question number" in en.say("alice", "/answered Oracle yes")
    assert "“支持”不是有效的问题编号" in zh.say("小李", "/已答复 支持 达梦")


# --- quoted requirements ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ('"支持私有化部署"', "支持私有化部署"),
        ("“支持私有化部署”", "支持私有化部署"),
        ("「支持单点登录」", "支持单点登录"),
        ("『支持单点登录』", "支持单点登录"),
        ("‘SSO’", "SSO"),
        ("＂SSO＂", "SSO"),
        ('"A" and "B"', '"A" and "B"'),  # two quotes, not one around all
        ("“A”和“B”", "“A”和“B”"),
        ('say "A"', 'say "A"'),  # a quote in the words
        ("“A“B”C”", "A“B”C"),  # quotes within stay
        ('"unclosed', '"unclosed'),
    ],
)
def test_one_layer_of_matching_quotes_is_taken_off(written: str, kept: str) -> None:
    assert unquote(written) == kept


def test_a_quoted_requirement_is_shown_with_one_pair_of_quotes(en: Chat, zh: Chat) -> None:
    reply = zh.say("小李", '/需求 华为 "支持私有化部署"')
    assert "客户原话：“支持私有化部署”" in reply and '“"' not in reply
    assert "“支持单点登录”" in zh.say("小李", "/需求 华为 “支持单点登录”")
    assert "“SSO with Okta”" in en.say("alice", "/req Acme 'SSO with Okta'")
    words = [v.text for v in rows(zh, RequirementVersion)]
    assert words == ["支持私有化部署", "支持单点登录", "SSO with Okta"]
