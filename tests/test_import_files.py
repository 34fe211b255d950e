"""Whole files through the import: what dealbot's own export writes comes back unchanged (xlsx
and CSV, in both languages), a workbook with formulas, and 20,000 rows at once."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook as XlsxWorkbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.pipeline import Pipeline
from bot.sheets.export import build_export
from bot.sheets.importing import apply, plan
from bot.sheets.plans import Plan
from bot.sheets.read import read_table
from storage import db
from storage.models import AuditEntry, Contact, Customer, CustomerAlias, Deal, Person, Tenant
from tests.chat import Chat

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def tenant_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalars(select(Tenant.id)).one()


def planned(sessions: sessionmaker[Session], data: bytes, name: str) -> Plan:
    with sessions() as s:
        return plan(
            s,
            tenant_id=tenant_id(sessions),
            table=read_table(data, name),
            pipeline=Pipeline(),
            now=NOW,
        )


def imported(sessions: sessionmaker[Session], data: bytes, name: str) -> Plan:
    tid = tenant_id(sessions)
    with sessions() as s:
        made = plan(s, tenant_id=tid, table=read_table(data, name), pipeline=Pipeline(), now=NOW)
        assert made.problems == []
        apply(s, tenant_id=tid, plan=made, actor_id=None, now=NOW)
        s.commit()
    return made


def counts(made: Plan) -> dict[str, tuple[int, int, int, int]]:
    return {k: (t.create, t.update, t.unchanged, t.skip) for k, t in made.tallies.items()}


@pytest.fixture
def recorded(sessions: sessionmaker[Session]) -> Chat:
    """A team's records as chat and an earlier import left them: aliases, an external id, a
    tax note, a won deal, two deals of one name, contacts, a name that looks like a formula."""
    chat = Chat(sessions, now="2026-12-07 10:00", tz="Asia/Shanghai", locale="zh_CN")
    chat.say("王经理", "/团队 华东 @王经理 @小李 @alice")
    imported(sessions, b"External ID,Customer,Owner\nSF-001,Acme Corp,alice\n", "crm.csv")
    chat.say("alice", "/customer Acme Corp alias Acme")
    chat.say("alice", '/deal "Acme Corp" new 40 seats $120,000')
    chat.say("alice", "/deal Acme close 2027-01-15")
    chat.say("alice", '/deal "Acme Corp" new pilot 5k')
    chat.say("alice", "/deal Acme won")
    chat.say("小李", "/商机 华为 新建 私有化部署项目 28万（含税）")
    chat.say("小李", "/商机 华为 新建 私有化部署项目 30万")
    chat.say("小李", "/联系人 华为 刘总 CIO 13800138000")
    chat.say("alice", '/deal "-Minus Co" new trial 1k')
    chat.say("alice", "/contact Acme Hank CFO +1 555 0100 hank@acme.com")
    return chat


def _state(sessions: sessionmaker[Session]) -> tuple[object, ...]:
    with sessions() as s:
        return tuple(
            sorted(
                tuple(str(v) for v in row)
                for row in s.execute(select(*model.__table__.columns)).all()  # type: ignore[attr-defined]
            )
            for model in (Customer, CustomerAlias, Deal, Contact, Person)
        )


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_exports_own_file_imports_back_unchanged(
    recorded: Chat, sessions: sessionmaker[Session], fmt: str, locale: str
) -> None:
    before = _state(sessions)
    with sessions() as s:
        made = build_export(
            s,
            tenant_id=tenant_id(sessions),
            viewer_id=None,
            what=None if fmt == "xlsx" else ["customers", "deals", "contacts"],
            fmt=fmt,
            locale=locale,
            tz="Asia/Shanghai",
            now=NOW,
        )
    files = [(made.name, made.data)]
    if made.name.endswith(".zip"):  # one CSV per kind
        archive = zipfile.ZipFile(io.BytesIO(made.data))
        files = [(n, archive.read(n)) for n in archive.namelist()]
    for name, data in files:
        result = planned(sessions, data, name)
        assert result.problems == [], name
        assert result.skipped == [], name
        for kind, (create, update, _, _) in counts(result).items():
            assert (create, update) == (0, 0), (name, kind)
    whole = planned(sessions, made.data, made.name) if fmt == "xlsx" else None
    if whole is not None:
        assert counts(whole) == {
            "customers": (0, 0, 3, 0),
            "deals": (0, 0, 5, 0),
            "contacts": (0, 0, 2, 0),
        }
    assert _state(sessions) == before


def test_a_workbook_with_formulas_imports_their_saved_values(recorded: Chat, sessions) -> None:  # type: ignore[no-untyped-def]
    book = XlsxWorkbook()
    ws = book.active
    ws.title = "Opportunities"
    ws.append(["Account Name", "Account Owner", "Opportunity Name", "Amount", "Close Date"])
    ws.append(["Initech", "alice", "pilot", "=2*5000", datetime(2027, 3, 1)])
    ws.append(['=CONCAT("Ev","il")', "alice", "x", 1, None])
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            body = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":  # Excel saves a formula's value
                body = body.replace(b"<f>2*5000</f><v />", b"<f>2*5000</f><v>10000</v>", 1)
            target.writestr(part, body)
    made = planned(sessions, patched.getvalue(), "crm.xlsx")
    # the name's formula has no saved value: an empty name, never the formula run or stored
    assert [(p.row, p.reason) for p in made.problems] == [(3, "missing_customer")]
    step = made.deals[0]
    assert (step.title, step.amount, step.currency) == ("pilot", Decimal(10000), "CNY")


def test_twenty_thousand_rows_import_once_and_again_change_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """On SQLite only: the statements are the same on PostgreSQL (every other test runs on
    both), and bench/import.py measures the time and memory."""
    sessions = db.open_store(f"sqlite:///{tmp_path / 'big.db'}")
    chat = Chat(sessions, now="2026-12-07 10:00", tz="Asia/Shanghai", locale="zh_CN")
    chat.say("王经理", "/团队 华东 @王经理 @小李 @alice")
    stages = ["首次联系", "需求确认", "方案递交", "报价跟进", "签约前沟通"]
    lines = ["客户编号,客户名称,负责人,商机名称,阶段,金额,预计成交日期,联系人,电话"]
    for i in range(20_000):
        owner = ("小李", "alice", "王经理")[i % 3]
        lines.append(
            f"C{i:05d},客户{i:05d}有限公司,{owner},项目{i % 7},{stages[i % 5]},{10 + i % 90}万,"
            f"2027-{1 + i % 12:02d}-{1 + i % 28:02d},联系人{i},1380013{i:04d}"
        )
    data = ("\n".join(lines) + "\n").encode("gb18030")
    first = imported(sessions, data, "big.csv")
    assert counts(first) == {
        "customers": (20_000, 0, 0, 0),
        "deals": (20_000, 0, 0, 0),
        "contacts": (20_000, 0, 0, 0),
    }
    with sessions() as s:
        assert s.scalar(select(func.count(Customer.id))) == 20_000
        assert s.scalar(select(func.count(Deal.id)).where(Deal.stage == "quote")) == 4_000
        assert s.scalar(select(func.sum(Deal.amount))) == sum(
            Decimal((10 + i % 90) * 10_000) for i in range(20_000)
        )
        assert s.scalar(select(func.count(AuditEntry.id))) >= 40_000
        last = s.scalars(select(Customer).where(Customer.external_id == "C19999")).one()
        assert last.name == "客户19999有限公司"
    again = planned(sessions, data, "big.csv")
    assert counts(again) == {
        "customers": (0, 0, 20_000, 0),
        "deals": (0, 0, 20_000, 0),
        "contacts": (0, 0, 20_000, 0),
    }
    sessions.kw["bind"].dispose()
