"""The audit trail: who changed a deal, an owner, a role, a team or a target — recorded once,
never rewritten, shown in `/customer … history` and exported (SQLite file and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from adapters.cli.main import main
from bot import intents as i
from bot.commands import parse
from bot.commands.customer import CustomerShow
from bot.grammar.line import ParseContext
from bot.pipeline import Pipeline
from storage import db
from storage.append_only import AppendOnlyError
from storage.models import AuditEntry, Customer, Deal, Person, Target, Team
from tests.chat import Chat


@pytest.fixture
def chat(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions)


@pytest.fixture
def zh(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions, tz="Asia/Shanghai", locale="zh_CN")


def entries(chat: Chat, action: str | None = None) -> list[AuditEntry]:
    with chat.bot.sessions() as s:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return list(s.scalars(query))


def pid(chat: Chat, name: str) -> int:
    with chat.bot.sessions() as s:
        return s.scalars(select(Person.id).where(Person.display_name == name)).one()


def one(chat: Chat, model, **where):  # type: ignore[no-untyped-def]
    with chat.bot.sessions() as s:
        return s.scalars(select(model).filter_by(**where)).one()


def team(chat: Chat) -> None:
    """boss (admin) sets up team east: bob leads alice and carl; dave is in team west."""
    chat.say("boss", "/help")
    chat.say("boss", "/team east @bob @alice @carl")
    chat.say("boss", "/team west @wendy @dave")


# -- what is recorded ----------------------------------------------------------------------------


def test_deal_changes_are_recorded_with_actor_and_before_after(chat: Chat) -> None:
    chat.say("alice", "/deal Acme new 40-seat license 120k")
    chat.say("alice", "/deal Acme stage proposal")
    chat.say("alice", "/deal Acme amount 150k")
    chat.say("alice", "/deal Acme close 2026-12-20")
    chat.at("2026-12-01 09:30")
    chat.say("alice", "/deal Acme lost price too high")
    alice = pid(chat, "alice")
    acme = one(chat, Customer, name="Acme")
    log = entries(chat)
    assert [e.action for e in log] == [
        "deal.new",
        "deal.stage",
        "deal.amount",
        "deal.close",
        "deal.lost",
    ]
    assert {(e.actor_id, e.subject, e.customer_id) for e in log} == {(alice, "deal:1", acme.id)}
    new, stage, amount, close, lost = log
    assert new.detail["before"] is None
    assert new.detail["after"]["stage"] == "lead"
    assert new.detail["after"]["title"] == "40-seat license"
    assert new.detail["after"]["amount"] == "120000.00"
    assert (stage.detail["before"]["stage"], stage.detail["after"]["stage"]) == ("lead", "proposal")
    assert (amount.detail["before"]["amount"], amount.detail["after"]["amount"]) == (
        "120000.00",
        "150000.00",
    )
    assert close.detail["before"]["expected_close"] is None
    assert close.detail["after"]["expected_close"].startswith("2026-12-20T")
    assert lost.detail["before"]["stage"] == "proposal"
    assert lost.detail["after"]["stage"] == "lost"
    assert lost.detail["after"]["status"] == "lost"
    assert lost.detail["after"]["lost_reason"] == "price too high"
    assert lost.at == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_won_is_recorded(chat: Chat) -> None:
    chat.say("alice", "/deal Acme new pilot 10k")
    chat.say("alice", "/deal Acme won")
    [won] = entries(chat, "deal.won")
    assert won.detail["before"]["status"] == "open"
    assert (won.detail["after"]["stage"], won.detail["after"]["status"]) == ("won", "won")
    assert won.actor_id == pid(chat, "alice")


def test_handover_records_owner_before_and_after(chat: Chat) -> None:
    team(chat)
    chat.say("alice", "/deal Acme new license 80k")
    chat.say("bob", "/handover Acme @alice @carl")
    [entry] = entries(chat, "customer.handover")
    assert entry.actor_id == pid(chat, "bob")
    assert entry.customer_id == one(chat, Customer, name="Acme").id
    assert entry.detail["before"] == {"owner_id": pid(chat, "alice")}
    assert entry.detail["after"] == {"owner_id": pid(chat, "carl")}
    assert entry.detail["deals"] == [1]


def test_role_team_and_target_changes_are_recorded(chat: Chat) -> None:
    chat.say("boss", "/help")
    chat.say("boss", "/team east @bob @alice")
    east = one(chat, Team, name="east")
    bob, alice, boss = pid(chat, "bob"), pid(chat, "alice"), pid(chat, "boss")
    [created] = entries(chat, "team.set")
    assert (created.actor_id, created.subject) == (boss, f"team:{east.id}")
    assert created.detail["before"] is None
    assert created.detail["after"] == {"name": "east", "lead_id": bob, "members": [bob, alice]}
    [promoted] = entries(chat, "person.role")  # bob led a team as a rep: now a manager
    assert (promoted.subject, promoted.detail["before"], promoted.detail["after"]) == (
        f"person:{bob}",
        {"role": "rep"},
        {"role": "manager"},
    )

    chat.say("boss", "/team east @bob @carl")  # the list replaces the team's: alice leaves
    changed = entries(chat, "team.set")[-1]
    assert changed.detail["before"]["members"] == [bob, alice]
    assert changed.detail["after"]["members"] == [bob, pid(chat, "carl")]

    chat.say("boss", "/role @alice manager")
    role = entries(chat, "person.role")[-1]
    assert (role.actor_id, role.subject) == (boss, f"person:{alice}")
    assert (role.detail["before"], role.detail["after"]) == ({"role": "rep"}, {"role": "manager"})

    chat.say("bob", "/target @carl 2026-12 calls=60")
    chat.say("bob", "/target @carl 2026-12 calls=70 visits=12 won=500k")
    target = one(chat, Target, period="2026-12")
    first, second = entries(chat, "target.set")
    assert (first.actor_id, first.subject) == (bob, f"target:{target.id}")
    assert first.detail["person_id"] == pid(chat, "carl")
    assert first.detail["before"] is None
    assert first.detail["after"]["calls"] == 60
    assert second.detail["before"] == {
        "period": "2026-12",
        "calls": 60,
        "visits": None,
        "won": None,
        "currency": None,
        "collected": None,
    }
    assert second.detail["after"] == {
        "period": "2026-12",
        "calls": 70,
        "visits": 12,
        "won": "500000.00",
        "currency": "USD",
        "collected": None,
    }
    assert all(e.customer_id is None for e in entries(chat) if e.action != "deal.new")


# -- /customer … history -------------------------------------------------------------------------


def test_customer_history_in_english_says_who_moved_it_to_lost(chat: Chat) -> None:
    team(chat)
    chat.say("alice", "/deal Acme new license 120k")
    chat.at("2026-11-30 11:00")
    chat.say("alice", "/deal Acme stage proposal")
    chat.say("dave", "/deal Globex new secret deal 90k")
    chat.say("dave", "/deal Globex lost went elsewhere")
    chat.at("2026-11-30 14:05")
    chat.say("bob", "/deal Acme lost price too high")
    chat.say("bob", "/handover Acme @alice @carl")
    reply = chat.say("carl", "/customer Acme history")
    assert "Acme — who changed what, newest first:" in reply
    lost = "Mon Nov 30 14:05 bob moved D1 from proposal to lost — reason: price too high"
    assert lost in reply
    assert "Mon Nov 30 11:00 alice moved D1 from lead to proposal" in reply
    assert "Mon Nov 30 10:00 alice created D1 “license” $120,000 at stage lead" in reply
    assert "bob handed the customer over: owner @alice → @carl" in reply
    assert reply.index("handed") < reply.index("to lost") < reply.index("to proposal")
    assert "Globex" not in reply and "D2" not in reply and "went elsewhere" not in reply
    # the plain view stays as it was
    assert "who changed what" not in chat.say("carl", "/customer Acme")


def test_customer_history_in_chinese_with_localized_stages(zh: Chat) -> None:
    zh.say("张伟", "/商机 华为 新建 私有化部署项目 50万")
    zh.say("张伟", "/商机 华为 阶段 方案递交")
    zh.say("李娜", "/商机 中兴 新建 另一个项目 30万")
    zh.say("李娜", "/商机 中兴 输单 不相关的原因")
    zh.at("2026-11-30 14:05")
    zh.say("张伟", "/商机 华为 输单 价格太高")
    reply = zh.say("张伟", "/客户 华为 历史")
    assert "华为的变更记录（最新在前）：" in reply
    assert "11月30日 周一 14:05 张伟 把 D1 阶段从「方案递交」改为「输单」，原因：价格太高" in reply
    assert "张伟 把 D1 阶段从「首次联系」改为「方案递交」" in reply
    assert "张伟 新建了商机 D1“私有化部署项目”（50万元），阶段「首次联系」" in reply
    assert "中兴" not in reply and "不相关的原因" not in reply and "D2" not in reply
    assert "变更记录" in zh.say("张伟", "/客户 华为 变更记录")


def test_history_of_a_customer_out_of_reach_reveals_nothing(chat: Chat) -> None:
    team(chat)
    chat.say("dave", "/deal Globex new secret deal 90k")
    reply = chat.say("alice", "/customer Globex history")
    assert "secret" not in reply and "who changed what" not in reply


def test_history_with_nothing_recorded(chat: Chat) -> None:
    chat.say("alice", "/log Acme call hello")
    assert "no changes yet" in chat.say("alice", "/customer Acme history")


CTX = ParseContext(
    now=datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    tz=ZoneInfo("Asia/Shanghai"),
    is_customer=lambda n: n.casefold() in {"acme", "acme corp", "华为"},
    pipeline=Pipeline(),
)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("/customer Acme history", "Acme"),
        ("/customer Acme Corp history", "Acme Corp"),
        ("/客户 华为 历史", "华为"),
        ("/客户 华为 变更记录", "华为"),
        ("/dealbot customer Acme HISTORY", "Acme"),
    ],
)
def test_grammar_reads_history(text: str, name: str) -> None:
    parsed = parse(text, CTX)
    assert isinstance(parsed, CustomerShow)
    assert parsed.customer.name == name and parsed.history


def test_grammar_keeps_the_plain_view_and_refuses_extra_words() -> None:
    assert parse("/customer Acme", CTX) == CustomerShow(customer=i.CustomerRef(name="Acme"))
    assert isinstance(parse("/customer Acme history please", CTX), i.ParseError)


# -- append-only -----------------------------------------------------------------------------------


def test_entries_cannot_be_updated_or_deleted_through_the_orm(chat: Chat) -> None:
    chat.say("alice", "/deal Acme new license 120k")
    sessions = chat.bot.sessions
    with pytest.raises(AppendOnlyError, match="not updated"), sessions.begin() as s:
        entry = s.scalars(select(AuditEntry)).one()
        entry.detail = {"before": None, "after": {"stage": "won"}}
    with pytest.raises(AppendOnlyError, match="not updated"), sessions.begin() as s:
        s.scalars(select(AuditEntry)).one().actor_id = None
    with pytest.raises(AppendOnlyError, match="not deleted"), sessions.begin() as s:
        s.delete(s.scalars(select(AuditEntry)).one())
    with pytest.raises(AppendOnlyError, match="not updated"), sessions.begin() as s:
        s.execute(update(AuditEntry).values(action="deal.won"))
    with pytest.raises(AppendOnlyError, match="not deleted"), sessions.begin() as s:
        s.execute(delete(AuditEntry))
    [entry] = entries(chat)
    assert entry.action == "deal.new" and entry.detail["after"]["stage"] == "lead"
    # other tables are not affected, and adding entries still works
    with sessions.begin() as s:
        s.scalars(select(Deal)).one().title = "renamed"
    chat.say("alice", "/deal Acme stage proposal")
    assert len(entries(chat)) == 2


# -- migration 0004 ----------------------------------------------------------------------------------


def _backfill_round(url: str) -> None:
    from alembic import command

    engine = db.make_engine(url)
    cfg = db.alembic_config(engine)
    command.upgrade(cfg, "0003")
    at = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        assert "customer_id" not in t["audit_log"].c
        conn.execute(
            t["tenants"].insert(),
            [
                {
                    "id": 1,
                    "name": "t",
                    "locale": "en",
                    "timezone": "UTC",
                    "currency": "USD",
                    "created_at": at,
                }
            ],
        )
        conn.execute(
            t["people"].insert(),
            [{"id": 1, "tenant_id": 1, "display_name": "alice", "role": "admin", "created_at": at}],
        )
        conn.execute(
            t["customers"].insert(),
            [
                {
                    "id": 7,
                    "tenant_id": 1,
                    "name": "Acme",
                    "name_key": "acme",
                    "tags": [],
                    "created_at": at,
                },
                {
                    "id": 8,
                    "tenant_id": 1,
                    "name": "Globex",
                    "name_key": "globex",
                    "tags": [],
                    "created_at": at,
                },
            ],
        )
        deal = {
            "tenant_id": 1,
            "title": "x",
            "currency": "USD",
            "stage": "lead",
            "status": "open",
            "stage_entered_at": at,
            "last_touch_at": at,
            "created_at": at,
        }
        conn.execute(
            t["deals"].insert(),
            [{**deal, "id": 3, "customer_id": 7}, {**deal, "id": 4, "customer_id": 8}],
        )
        rows = [
            ("deal.new", "deal:3"),
            ("deal.lost", "deal:4"),
            ("customer.handover", "customer:7"),
            ("person.role", "person:1"),
            ("team.set", "team:1"),
            ("deal.stage", "deal:99"),  # a deal no longer there
            ("odd", "deal:x"),
        ]
        conn.execute(
            t["audit_log"].insert(),
            [
                {
                    "id": n,
                    "tenant_id": 1,
                    "actor_id": 1,
                    "action": a,
                    "subject": s,
                    "detail": {},
                    "at": at,
                }
                for n, (a, s) in enumerate(rows, 1)
            ],
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        got = {s: c for s, c in conn.execute(sa.text("select subject, customer_id from audit_log"))}
        indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("audit_log")}
    assert got == {
        "deal:3": 7,
        "deal:4": 8,
        "customer:7": 7,
        "person:1": None,
        "team:1": None,
        "deal:99": None,
        "deal:x": None,
    }
    assert "ix_audit_customer_at" in indexes
    assert db.is_current(engine)
    command.downgrade(cfg, "0003")
    with engine.connect() as conn:
        assert "customer_id" not in {c["name"] for c in sa.inspect(conn).get_columns("audit_log")}
    engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_migration_backfills_customer_of_existing_entries(kind: str, tmp_path: Path) -> None:
    from tests.conftest import empty_pg_database

    if kind == "sqlite":
        _backfill_round(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        with empty_pg_database() as url:
            _backfill_round(url)


def test_history_reads_entries_written_before_0004(chat: Chat) -> None:
    """Entries from before this change: amounts as "None", a handover as src/dst strings."""
    chat.say("alice", "/deal Acme new license")
    chat.say("alice", "/customer Acme")
    alice, acme = pid(chat, "alice"), one(chat, Customer, name="Acme")
    old = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    with chat.bot.sessions.begin() as s:
        s.add_all(
            [
                AuditEntry(
                    tenant_id=acme.tenant_id,
                    actor_id=alice,
                    action="deal.stage",
                    subject="deal:1",
                    customer_id=acme.id,
                    at=old,
                    detail={
                        "before": {"stage": "lead", "amount": "None", "status": "open"},
                        "after": {"stage": "qualify", "amount": "None", "status": "open"},
                    },
                ),
                AuditEntry(
                    tenant_id=acme.tenant_id,
                    actor_id=alice,
                    action="customer.handover",
                    subject=f"customer:{acme.id}",
                    customer_id=acme.id,
                    at=old,
                    detail={"src": str(alice), "dst": str(alice)},
                ),
            ]
        )
    reply = chat.say("alice", "/customer Acme history")
    assert "alice moved D1 from lead to qualify" in reply
    assert "owner @alice → @alice" in reply


# -- export -----------------------------------------------------------------------------------------


def _url(chat: Chat) -> str:
    return chat.bot.sessions.kw["bind"].url.render_as_string(hide_password=False)


def _story(zh: Chat) -> None:
    zh.say("张伟", "/商机 华为 新建 私有化部署项目 50万")
    zh.at("2026-12-02 10:00")
    zh.say("张伟", "/商机 华为 输单 价格太高")
    zh.say("张伟", "/角色 @李娜 经理")


def test_export_csv_opens_in_excel_with_chinese_intact(zh: Chat, tmp_path: Path) -> None:
    _story(zh)
    out = tmp_path / "audit.csv"
    result = CliRunner().invoke(
        main, ["export", "audit", "--db", _url(zh), "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r["action"] for r in rows] == ["deal.new", "deal.lost", "person.role"]
    new, lost, role = rows
    assert lost["actor"] == "张伟" and lost["customer"] == "华为" and lost["subject"] == "deal:1"
    assert lost["at"] == "2026-12-02T02:00:00+00:00"  # 10:00 in Shanghai, as UTC
    assert lost["actor_id"] == str(pid(zh, "张伟"))
    assert json.loads(lost["after"])["lost_reason"] == "价格太高"
    assert json.loads(lost["before"])["stage"] == "lead"
    assert "价格太高" in raw.decode("utf-8-sig")  # written as characters, not \\u escapes
    assert new["before"] == "" and json.loads(new["after"])["title"] == "私有化部署项目"
    assert role["customer"] == "" and json.loads(role["after"]) == {"role": "manager"}
    assert "3 audit entries written" in result.output


def test_export_jsonl_to_stdout_and_since(zh: Chat) -> None:
    _story(zh)
    result = CliRunner().invoke(main, ["export", "audit", "--db", _url(zh), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert not result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    lines = result.stdout_bytes.decode("utf-8").splitlines()
    assert "价格太高" in lines[1]
    rows = [json.loads(line) for line in lines]
    assert [r["action"] for r in rows] == ["deal.new", "deal.lost", "person.role"]
    assert rows[1]["after"]["lost_reason"] == "价格太高"
    assert rows[1]["after"]["amount"] == "500000.00" and rows[1]["tenant"]
    assert rows[2]["subject"] == f"person:{pid(zh, '李娜')}"
    assert Decimal(rows[0]["after"]["amount"]) == Decimal(500000)
    later = CliRunner().invoke(
        main, ["export", "audit", "--db", _url(zh), "--format", "jsonl", "--since", "2026-12-01"]
    )
    assert [json.loads(x)["action"] for x in later.stdout_bytes.decode().splitlines()] == [
        "deal.lost",
        "person.role",
    ]


def test_export_refuses_a_database_that_is_behind(tmp_path: Path) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = db.make_engine(url)
    command.upgrade(db.alembic_config(engine), "0003")
    engine.dispose()
    result = CliRunner().invoke(main, ["export", "audit", "--db", url])
    assert result.exit_code != 0 and "dealbot db upgrade" in result.output
