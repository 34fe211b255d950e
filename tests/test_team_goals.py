"""Issue 22 items 1 and 2: a team's goal split among its reps (even, stated, by last quarter's
share), /progress team against it (gap and pace per working day left), who may do either, in
English and Chinese. Every number below is computed by hand in its comment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from storage.models import Target, TeamGoal
from tests.chat import Chat

# Tuesday 2026-12-15: December 2026 has 23 working days (weekends only, UTC); from the 15th to
# the 31st (the 15th counted) 13 are left
NOW = "2026-12-15 10:00"


@pytest.fixture
def en(sessions):  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now=NOW)
    chat.say("boss", "/team east @mgr @alice @bob @carol")  # boss: the first user, an admin
    chat.say("boss", "/team west @wes @dan")
    return chat


@pytest.fixture
def zh(sessions):  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now=NOW, locale="zh_CN")
    chat.say("老板", "/团队 华东 @经理 @小李 @小王")
    return chat


def targets(chat: Chat, period: str) -> dict[str, tuple[int | None, Decimal | None]]:
    with chat.bot.sessions() as s:
        rows = s.scalars(select(Target).where(Target.period == period))
        return {t.person_id: (t.calls, t.won_amount) for t in rows}


def test_even_split_adds_up_to_the_goal_to_the_cent(en: Chat) -> None:
    reply = en.say("mgr", "/target team east 2027-01 won=2M calls=600")
    # 600 / 3 = 200 calls each; 2,000,000 / 3 = 666,666.66…: two reps get the cent left over
    assert "Goal for team east, 2027-01: calls 600 · won $2,000,000 — split evenly:" in reply
    assert "@alice (33.3%): calls 200 · won $666,666.67" in reply
    assert "@bob (33.3%): calls 200 · won $666,666.67" in reply
    assert "@carol (33.3%): calls 200 · won $666,666.66" in reply
    assert "@mgr" not in reply.split("split evenly:")[1].split("To change")[0]  # the lead leads
    assert "/target @alice 2027-01 calls=… won=…" in reply
    assert sorted(targets(en, "2027-01").values()) == [
        (200, Decimal("666666.66")),
        (200, Decimal("666666.67")),
        (200, Decimal("666666.67")),
    ]


def test_stated_split_and_a_rep_target_later_leaves_the_team_goal(en: Chat) -> None:
    reply = en.say("mgr", "/target team east next month won=1M split @alice 40% @bob 60%")
    assert "@alice (40%): won $1,000,000" not in reply
    assert "@alice (40%): won $400,000" in reply and "@bob (60%): won $600,000" in reply
    en.say("mgr", "/target @alice next month won=500k")  # her share moves, the team's stays
    with en.bot.sessions() as s:
        [goal] = s.scalars(select(TeamGoal))
        assert (goal.period, goal.won_amount, goal.split) == ("2027-01", 1_000_000, "stated")


def test_last_quarter_split_and_a_rep_without_history(en: Chat) -> None:
    # 2026-Q3: alice 3 calls, bob 1, carol none
    en.at("2026-08-03 10:00")
    for who, n in (("alice", 3), ("bob", 1)):
        for _ in range(n):
            en.say(who, f"/log Cust{who} call talked")
    en.at(NOW)
    reply = en.say("mgr", "/target team east 2026-Q4 calls=90 split last quarter")
    # carol (no calls then) carries 1/3: 30; the other 60 by 3:1 → alice 45, bob 15
    assert "@alice (50%): calls 45" in reply and "@bob (16.7%): calls 15" in reply
    assert "@carol (33.3%): calls 30" in reply


def test_progress_team_lines_gap_and_pace(en: Chat) -> None:
    en.say("mgr", "/target team east month won=90k calls=39")
    en.say("alice", "/log Acme call budget")
    en.say("alice", "/deal Acme new pilot 30k")
    en.say("alice", "/deal Acme won")
    en.say("bob", "/log Beta call intro")
    reply = en.say("mgr", "/progress team month")
    assert "Team east, month 2026-12 — 13 of 23 working days left:" in reply
    # alice: 1 of 13 calls, 12 to go over 13 days → 1 a day (rounded up); won her 30k ✓
    assert "@alice: calls 1/13, 12 to go (1 a working day) · won $30,000/$30,000 ✓" in reply
    # bob: 12 to go; 30k to go / 13 days = 2,307.69… → 2,307.70 rounded up
    assert "@bob: calls 1/13, 12 to go (1 a working day)" in reply
    assert "won $0/$30,000, $30,000 to go ($2,307.7 a working day)" in reply
    # the team: 2 of 39 calls, 37 to go / 13 → 3 a day; 60k to go / 13 → 4,615.39
    assert "Team (its goal): calls 2/39, 37 to go (3 a working day)" in reply
    assert "won $30,000/$90,000, $60,000 to go ($4,615.39 a working day)" in reply
    # the rep's own /progress counts the same
    assert "calls 1 / 13" in en.say("alice", "/progress month")


def test_who_may_set_and_see_team_goals(en: Chat) -> None:
    assert "Only the lead of team east or an admin" in en.say(
        "alice", "/target team east month calls=5"
    )
    assert "Team progress is for the team's manager" in en.say("alice", "/progress team")
    assert "Team progress is for the team's manager" in en.say("alice", "/progress team west")
    # a manager sees their own team, never another's
    assert "Team east, week 2026-W51" in en.say("mgr", "/progress team")
    assert "Only the lead of team west or an admin" in en.say("mgr", "/progress team west")
    assert "Team west" in en.say("boss", "/progress team west")  # an admin: any team
    assert "There is no team “north”" in en.say("boss", "/progress team north")


def test_bad_input_is_answered(en: Chat) -> None:
    assert "I can't read the split" in en.say("mgr", "/target team east month calls=9 @alice 30%")
    assert "is not a period" in en.say("mgr", "/target team east soon calls=9")
    assert "is not in team east" in en.say("mgr", "/target team east month calls=9 @dan 100%")


def test_zh_team_goal_and_progress(zh: Chat) -> None:
    reply = zh.say("经理", "/目标 团队 华东 下个月 赢单=200万 电话=600 平分")
    assert "已设定团队 华东 的 2027-01 目标" in reply
    assert "@小李（50%）：电话 300 · 赢单 100万" in reply
    assert "/目标 @小李 2027-01 电话=… 赢单=…" in reply
    zh.say("经理", "/目标 团队 华东 本月 电话=26 按上季度")  # no history: even, 13 each
    zh.say("小李", "/log 甲公司 电话 聊了预算")
    reply = zh.say("经理", "/进度 团队 本月")
    assert "团队 华东 的月进度（2026-12），共 23 个工作日，还剩 13 个" in reply
    assert "@小李：电话 1/13，差 12（每个工作日需 1）" in reply
    assert "团队合计（团队目标）：电话 1/26，差 25（每个工作日需 2）" in reply
    assert "团队进度只对团队经理" in zh.say("小王", "/进度 团队")
