"""People named by mistake (issue 18, item 6): "did you mean" offers anyone in the tenant, never
advice to add a typo to a team; a name nobody has is shown the asker's own team line; on a
platform with a directory (WeCom) a team is set up by account ids, each checked with it.

`Console` drives the real Bot with the console's events (a typed name carries no user id);
WeCom runs as `dealbot serve` against the fake WeCom API over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.directory import Directory, DirectoryUnavailable, Member, NotAnAccount
from bot.events import Event
from bot.outcome import Outcome
from storage.models import Identity, Meeting, Person, Requirement, Team
from tests.fakes import wecom_signing as signing
from tests.fakes.wecom_api import FakeWecom
from tests.kits import wecom as kit
from tests.test_people_customers import Console
from tests.test_serve import serving
from tests.test_wecom import WecomRig, text_of


def count(chat: Console, model, *where) -> int:  # type: ignore[no-untyped-def]
    with chat.bot.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def person(chat: Console, name: str) -> Person | None:
    with chat.bot.sessions() as s:
        return s.scalar(select(Person).where(Person.display_name == name))


@pytest.fixture
def zh(sessions) -> Console:  # type: ignore[no-untyped-def]
    c = Console(sessions, tz="Asia/Shanghai", locale="")
    c.workspace = "华东办"  # a tenant of its own beside the English one
    c.say("老板", "/团队 华东 @王经理 @小李 @小张")
    c.say("老板", "/团队 华南 @陈经理 @小赵")
    return c


@pytest.fixture
def en(sessions) -> Console:  # type: ignore[no-untyped-def]
    c = Console(sessions)
    c.say("boss", "/team east @bob @alice @carl")
    c.say("boss", "/team west @wendy @dave")
    return c


# --- did you mean: anyone in the tenant -----------------------------------------------------


def test_a_rep_mistyping_their_manager_or_a_teammate_is_offered_them_zh(zh: Console) -> None:
    zh.say("小李", "/记录 华为 拜访 聊了交付")
    people = count(zh, Person)
    # 王经理 leads 小李's team and 小张 is a teammate: both out of a rep's reach
    reply = zh.say("小李", "/需求 华为 支持私有化部署 确认人 @王经里")
    assert "我不认识 @王经里，本次未记录任何内容。" in reply
    assert "你是不是要找 @王经理？请发送：\n/需求 华为 支持私有化部署 确认人 @王经理" in reply
    reply = zh.say("小李", "/会议 华为 明天 14:00 @小章")
    assert "你是不是要找 @小张？请发送：\n/会议 华为 明天 14:00 @小张" in reply
    # someone in another team too: names within a company are not secret
    assert "你是不是要找 @小赵？" in zh.say("小李", "/会议 华为 明天 14:00 @小找")
    # never advice to add the typo to a team, nothing created or recorded
    for typo in ("王经里", "小章", "小找"):
        assert person(zh, typo) is None
    assert "/团队" not in reply and "团队" not in reply
    assert count(zh, Person) == people
    assert count(zh, Requirement) == 0 and count(zh, Meeting) == 0
    # the suggested line works as sent
    assert "参会人 @小张" in zh.say("小李", "/会议 华为 明天 14:00 @小张")


def test_a_rep_mistyping_their_manager_or_a_teammate_is_offered_them_en(en: Console) -> None:
    reply = en.say("alice", "/meeting Acme tomorrow 15:00 with @bbo")
    assert "I don't know @bbo, so nothing was recorded." in reply
    assert "Did you mean @bob? Send:\n/meeting Acme tomorrow 15:00 with @bob" in reply
    assert "/team" not in reply
    reply = en.say("alice", "/meeting Acme tomorrow 15:00 with @carll")
    assert "Did you mean @carl? Send:\n/meeting Acme tomorrow 15:00 with @carl" in reply
    assert "Did you mean @alice?" in en.say("wendy", "/meeting Globex tomorrow 15:00 with @alcie")
    assert person(en, "bbo") is None and person(en, "carll") is None
    assert person(en, "alcie") is None and count(en, Meeting) == 0


def test_a_view_still_refuses_and_offers_only_people_it_would_show(
    en: Console, zh: Console
) -> None:
    # a slip for someone out of reach is not offered by a view: the line sent back would only
    # be refused; the answer is the one for a name nobody has
    hidden, unknown = zh.say("小李", "/漏斗 @王经里"), zh.say("小李", "/漏斗 @没这人")
    assert hidden == unknown and "没有你能查看的这个人" in hidden and "王经理" not in hidden
    hidden, unknown = en.say("alice", "/pipeline @bbo"), en.say("alice", "/pipeline @nobody")
    assert hidden == unknown and "no one by that name that you can see" in hidden
    assert "@bob" not in hidden
    # within reach it is offered, as before
    assert "你是不是要找 @小张？" in zh.say("王经理", "/漏斗 @小章")


# --- a name nobody has: the asker's own team line -------------------------------------------


def test_an_unknown_name_is_shown_the_askers_own_team_line(en: Console, zh: Console) -> None:
    reply = zh.say("小赵", "/会议 华为 明天 14:00 @新人甲")
    assert "我还不认识 @新人甲，本次未记录任何内容" in reply
    # the whole team as it is, and the new name: /团队 sets the team to exactly these people
    assert "/团队 华南 @陈经理 @小赵 @新人甲" in reply and "华东" not in reply
    reply = en.say("carl", "/meeting Acme tomorrow 15:00 with @zed")
    assert "I don't know @zed yet, so nothing was recorded" in reply
    assert "/team east @bob @alice @carl @zed" in reply
    # someone in no team is shown the form, not somebody else's team
    reply = zh.say("老板", "/会议 华为 明天 14:00 @新人甲")
    assert "/团队 <团队名> @负责人 … @新人甲" in reply and "华东" not in reply
    assert "/team <team> @lead … @zed" in en.say("boss", "/meeting Acme tomorrow 15:00 @zed")
    assert person(zh, "新人甲") is None and person(en, "zed") is None
    # the line shown works: the admin sends it and the new person is in 华南
    zh.say("老板", "/团队 华南 @陈经理 @小赵 @新人甲")
    new = person(zh, "新人甲")
    assert new is not None and new.team_id == (person(zh, "小赵") or new).team_id


# --- a directory: account ids checked -------------------------------------------------------


class Directed(Console):
    """The console's events, with a platform directory handed over with each one."""

    def __init__(self, *args, directory: Directory, **kw) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kw)
        self.directory = directory

    def event(self, who: str, text: str | None = None, *, button: str | None = None) -> Event:
        return replace(super().event(who, text, button=button), mentions=())

    def send(self, event: Event) -> Outcome:
        self.last = self.bot.handle(event, directory=self.directory)
        return self.last


def test_a_directory_decides_who_an_account_id_is(sessions) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []
    down = False

    def directory(token: str) -> Member | None:
        asked.append(token)
        if not token.isascii():
            raise NotAnAccount(token)
        if down:
            raise DirectoryUnavailable("busy")
        known = {"zhangsan": "张三", "lisi": "李四"}
        return Member(user_id=token, name=known[token]) if token in known else None

    chat = Directed(sessions, tz="Asia/Shanghai", locale="zh_CN", directory=directory)
    reply = chat.say("boss", "/团队 华东 @zhangsan @lisi @nobody @ghost")
    assert "通讯录里没有账号 @nobody、@ghost" in reply and "本次未记录任何内容" in reply
    assert "/团队 华东 @zhangsan @lisi @nobody @ghost" in reply  # the line back, to correct
    assert count(chat, Team) == 0 and person(chat, "张三") is None
    reply = chat.say("boss", "/团队 华东 @zhangsan @lisi")
    assert "负责人 @张三" in reply and "成员 @李四" in reply
    with chat.bot.sessions() as s:
        ids = set(s.execute(select(Identity.external_id, Identity.handle)))
    assert {("zhangsan", "张三"), ("lisi", "李四")} <= ids
    # known from now on, by id or by name, without asking again
    asked.clear()
    assert "负责人 @张三" in chat.say("boss", "/团队 华东 @zhangsan @李四")
    assert asked == []
    # a new name that cannot be an account id: asked for by account id, not to add to a team
    reply = chat.say("boss", "/角色 @新人甲 经理")
    assert "我还不认识 @新人甲，本次未记录任何内容。" in reply
    assert "请用通讯录中的账号 ID 来写" in reply and "/团队" not in reply
    assert "我还不认识 @新人乙" in chat.say("boss", "/团队 华北 @zhangsan @新人乙")
    assert person(chat, "新人甲") is None and person(chat, "新人乙") is None
    # a directory that cannot answer now: said so, nothing recorded
    down = True
    reply = chat.say("boss", "/角色 @wangwu 经理")
    assert "暂时无法在通讯录中核对 @wangwu" in reply and person(chat, "wangwu") is None


@pytest.fixture(scope="module")
def wecom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WecomRig]:
    tmp: Path = tmp_path_factory.mktemp("wecom_names")
    with FakeWecom(corp_id=signing.CORP, agent_id=signing.AGENT) as fake:
        fake.people["boss"] = {"userid": "boss", "name": "老板"}
        fake.people["zhangsan"] = {"userid": "zhangsan", "name": "张三"}
        fake.people["lisi"] = {"userid": "lisi", "name": "李四"}
        fake.gone |= {"wangwu"}
        with serving(tmp, kit.config(fake)) as (port, db, _log):
            yield WecomRig(fake, port, db)


def test_on_wecom_a_team_is_set_up_by_account_ids_checked_with_user_get(
    wecom: WecomRig,
) -> None:
    reply = text_of(wecom.say("/团队 华东 @zhangsan @lisi @wangwu", user="boss"))
    assert "通讯录里没有账号 @wangwu" in reply and "@zhangsan" not in reply.split("：")[0]
    assert wecom.rows("select count(*) from teams") == [(0,)]
    asked = [c[2].get("userid") for c in wecom.fake.calls if c[1] == "user/get"]
    assert {"zhangsan", "lisi", "wangwu"} <= set(asked)
    reply = text_of(wecom.say("/团队 华东 @zhangsan @lisi", user="boss"))
    assert "团队“华东”已创建" in reply
    assert "$userName=zhangsan$" in reply and "$userName=lisi$" in reply
    people = (
        "select p.display_name, i.external_id from people p join identities i on i.person_id = p.id"
    )
    assert {("张三", "zhangsan"), ("李四", "lisi")} <= set(wecom.rows(people))
    # when 李四 writes, it is the same person, a member of 华东
    text_of(wecom.say("/记录 华为 拜访 聊了交付", user="lisi"))
    assert wecom.rows("select count(*) from people where display_name = '李四'") == [(1,)]
    lead = "select p.display_name from teams t join people p on p.id = t.lead_id"
    assert wecom.rows(lead) == [("张三",)]


def test_on_wecom_a_directory_too_slow_to_answer_is_said_and_changes_nothing(
    wecom: WecomRig,
) -> None:
    wecom.fake.user_delay = 4.0  # longer than a lookup made inside a transaction waits
    try:
        reply = text_of(wecom.say("/角色 @zhaoliu 经理", user="boss", timeout=30))
    finally:
        wecom.fake.user_delay = 0.0
    assert "暂时无法在通讯录中核对 @zhaoliu" in reply and "/角色 @zhaoliu 经理" in reply
    assert wecom.rows("select count(*) from identities where external_id = 'zhaoliu'") == [(0,)]
    # once WeCom answers, the same line works
    assert "经理" in text_of(wecom.say("/角色 @zhaoliu 经理", user="boss"))
    assert wecom.rows("select count(*) from identities where external_id = 'zhaoliu'") == [(1,)]
