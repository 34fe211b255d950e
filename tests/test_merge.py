"""Merging two records of one customer (issue 18, item 4): `/customer A merge B` asks first,
`… confirm` merges B into A — history, deals, tasks, questions, requirements, meetings,
contacts, channels, collaborators, aliases and the audit trail move, B's name becomes an alias
of A, the merge is audited; only managers and admins, on customers within their reach.
English and Chinese, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import (
    Activity,
    AuditEntry,
    Collaborator,
    Contact,
    Customer,
    CustomerAlias,
    CustomerChannel,
    Deal,
    Meeting,
    Person,
    Question,
    Requirement,
    Task,
)
from tests.test_people_customers import Console

MOVED = (Activity, Deal, Task, Question, Requirement, Meeting, Contact, CustomerChannel)


def ids(chat: Console, *names: str) -> list[int]:
    with chat.bot.sessions() as s:
        return [
            s.scalar(select(Customer.id).where(Customer.name == n))
            or s.scalar(select(Person.id).where(Person.display_name == n))
            or 0
            for n in names
        ]


def per_customer(chat: Console, model, customer_id: int) -> int:  # type: ignore[no-untyped-def]
    with chat.bot.sessions() as s:
        where = model.customer_id == customer_id
        return s.scalar(select(func.count()).select_from(model).where(where)) or 0


@pytest.fixture
def en(sessions) -> Console:  # type: ignore[no-untyped-def]
    c = Console(sessions)
    c.say("boss", "/team east @bob @alice @carl")
    c.say("boss", "/team west @wendy @dave")
    c.say("alice", "/log Acme call first call")
    c.say("alice", "/deal Acme new pilot 120k")
    # the same customer again, under its legal name, with one of everything
    c.say("carl", '/log "Acme Inc." call legal asked for the entity next: send contract by Fri')
    c.say("carl", "/deal Acme Inc. new framework 300k")
    c.say("carl", "/question Acme Inc. Do you sign the DPA?")
    c.say("carl", "/req Acme Inc. Data stays in region confirm @bob")
    c.say("carl", "/meeting Acme Inc. tomorrow 15:00 60m with @bob")
    c.say("carl", "/link Acme Inc.")
    c.say("carl", "/customer Acme Inc. alias AcmeLegal")
    acme_inc, dave, alice = ids(c, "Acme Inc.", "dave", "alice")
    with c.bot.sessions.begin() as s:
        s.add(Contact(tenant_id=1, customer_id=acme_inc, name="Hank", title="CFO"))
        for who in (dave, alice):  # alice owns Acme: she needs no collaborator's row there
            s.add(Collaborator(tenant_id=1, customer_id=acme_inc, person_id=who, created_at=c.now))
    return c


def test_a_merge_asks_first_and_moves_nothing(en: Console) -> None:
    acme, acme_inc = ids(en, "Acme", "Acme Inc.")
    reply = en.say("bob", "/customer Acme merge Acme Inc.")
    assert reply.startswith("Merge “Acme Inc.” into “Acme”?")
    assert "1 touch, 1 deal, 1 task, 1 question, 1 requirement, 1 meeting, 1 contact" in reply
    assert "nothing is done yet. To merge, send:\n/customer Acme merge Acme Inc. confirm" in reply
    assert all(per_customer(en, m, acme_inc) == 1 for m in MOVED)
    assert per_customer(en, Activity, acme) == 1


def test_a_merge_moves_everything_and_the_old_name_means_the_new(en: Console) -> None:
    acme, acme_inc, alice, dave = ids(en, "Acme", "Acme Inc.", "alice", "dave")
    reply = en.say("bob", "/customer Acme merge Acme Inc. confirm")
    assert reply.startswith("✓ “Acme Inc.” is merged into Acme: moved 1 touch, 1 deal")
    assert "“Acme Inc.” now also means Acme." in reply
    assert "@bob merged the customer “Acme Inc.” into Acme" in en.pushes()[alice]
    for model in MOVED:
        assert (per_customer(en, model, acme_inc), model) == (0, model)
    assert per_customer(en, Activity, acme) == 2 and per_customer(en, Deal, acme) == 2
    assert per_customer(en, Task, acme) == 1 and per_customer(en, Meeting, acme) == 1
    assert per_customer(en, Contact, acme) == 1 and per_customer(en, CustomerChannel, acme) == 1
    with en.bot.sessions() as s:
        assert s.get(Customer, acme_inc) is None
        aliases = set(
            s.scalars(select(CustomerAlias.alias).where(CustomerAlias.customer_id == acme))
        )
        assert aliases == {"Acme Inc.", "AcmeLegal"}
        collaborators = s.scalars(select(Collaborator.person_id)).all()
        assert collaborators == [dave]  # alice owns it: her row is gone
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "customer.merge")).one()
        assert (entry.customer_id, entry.detail["merged"]) == (acme, acme_inc)
        assert entry.detail["before"]["name"] == "Acme Inc."
    # the old name and its alias find the customer that stayed
    shown = en.say("bob", "/customer Acme Inc.")
    assert shown.startswith("Acme — owner @alice") and "framework" in shown and "pilot" in shown
    assert "logged a call with Acme" in en.say("carl", "/log AcmeLegal call after the merge")
    # the audit trail of both, by the merge's entry (audit_log is append-only)
    history = en.say("alice", "/customer Acme history")
    assert "created D2 “framework”" in history and "created D1 “pilot”" in history
    assert "merged the customer “Acme Inc.” into this one" in history


def test_a_rep_is_refused_and_told_who_can(en: Console) -> None:
    reply = en.say("alice", "/customer Acme merge Acme Inc. confirm")
    assert reply == (
        "Only a manager or an admin can merge customers, so nothing was merged: "
        "ask @bob (your team's lead) or @boss (admin)."
    )
    assert ids(en, "Acme Inc.")[0] != 0


def test_both_customers_must_be_within_reach(en: Console) -> None:
    en.say("dave", '/log "Initech" call hello')
    reply = en.say("bob", "/customer Acme merge Initech confirm")
    assert reply.startswith("“Initech” is @dave's customer, outside what you can see")
    assert ids(en, "Initech")[0] != 0
    assert "nothing to merge" in en.say("bob", "/customer Acme merge Acme")


def test_a_merge_in_chinese(sessions) -> None:  # type: ignore[no-untyped-def]
    zh = Console(sessions, tz="Asia/Shanghai", locale="")
    zh.say("老板", "/团队 华东 @王经理 @小李 @小张")
    zh.say("小李", "/记录 云帆电子 拜访 初次拜访")
    zh.say("小张", '/记录 "云帆电子有限公司" 电话 法务确认合同主体')
    zh.say("小张", "/商机 云帆电子有限公司 新建 年框 50万")
    reply = zh.say("王经理", "/客户 云帆电子 合并 云帆电子有限公司")
    assert reply.startswith("要把“云帆电子有限公司”合并到“云帆电子”吗？")
    assert "确认合并请发送：\n/客户 云帆电子 合并 云帆电子有限公司 确认" in reply
    reply = zh.say("王经理", "/客户 云帆电子 合并 云帆电子有限公司 确认")
    assert reply.startswith("✓ 已把“云帆电子有限公司”合并到云帆电子：转入1条跟进、1个商机")
    assert "已新建" not in zh.say("小李", "/记录 云帆电子有限公司 电话 合并后")
    history = zh.say("王经理", "/客户 云帆电子 历史")
    assert "把客户“云帆电子有限公司”合并到本客户" in history and "年框" in history
    assert "只有经理或管理员可以合并客户" in zh.say("小张", "/客户 云帆电子 合并 云帆 确认")
