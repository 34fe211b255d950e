"""Importing customers, deals and contacts from a spreadsheet (bot/sheets/importing.py) into a
real store, beside a team that talks to the real Bot: what is created, updated, skipped, what
stops a row, and that the same file again changes nothing."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook as XlsxWorkbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import Words
from bot.pipeline import Pipeline
from bot.sheets.columns import MapError
from bot.sheets.importing import ImportRefused, apply, plan, report
from bot.sheets.plans import Applied, Plan
from bot.sheets.read import read_table
from storage.models import AuditEntry, Contact, Customer, CustomerAlias, Deal, Person, Tenant
from tests.chat import Chat

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")

SAMPLE = """客户名称,别名,负责人,商机名称,阶段,金额,预计成交日期,联系人,职位,电话,邮箱
华为,Huawei;华为技术,小李,私有化部署,方案递交,50万,2027-01-15,刘总,CIO,13800138000,
华为,,小李,二期扩容,首次联系,,2027/3/1,,,,
Acme Corp,Acme,alice,40 seats,proposal,"$120,000",2027年2月1日,Hank,CFO,+1 555 0100,hank@acme.com
Globex,,alice,,,,,,,,
"""


@pytest.fixture
def team(sessions: sessionmaker[Session]) -> Chat:
    chat = Chat(sessions, now="2026-12-07 10:00", tz="Asia/Shanghai", locale="zh_CN")
    chat.say("王经理", "/团队 华东 @王经理 @小李 @alice")
    return chat


def tenant_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalars(select(Tenant.id)).one()


def run(
    sessions: sessionmaker[Session],
    data: bytes,
    name: str = "customers.csv",
    *,
    write: bool = True,
    skip_bad_rows: bool = False,
    **kw: object,
) -> Plan | Applied:
    """Plan the file; write it when it has no problems (or bad rows are skipped)."""
    table = read_table(data, name)
    tid = tenant_id(sessions)
    with sessions() as s:
        made = plan(s, tenant_id=tid, table=table, pipeline=Pipeline(), now=NOW, **kw)  # type: ignore[arg-type]
        if not write or (made.problems and not skip_bad_rows):
            return made
        done = apply(
            s, tenant_id=tid, plan=made, actor_id=None, now=NOW, skip_bad_rows=skip_bad_rows
        )
        s.commit()
        return done


def counts(made: Plan | Applied) -> dict[str, tuple[int, int, int, int]]:
    p = made.plan if isinstance(made, Applied) else made
    return {k: (t.create, t.update, t.unchanged, t.skip) for k, t in p.tallies.items()}


def problems(made: Plan | Applied) -> list[tuple[int, str, str, str]]:
    p = made.plan if isinstance(made, Applied) else made
    return [(x.row, x.column, x.value, x.reason) for x in p.problems]


def customers(sessions: sessionmaker[Session]) -> dict[str, tuple[str | None, list[str]]]:
    """name → (owner's name, aliases)"""
    with sessions() as s:
        people = dict(s.execute(select(Person.id, Person.display_name)).all())
        out = {}
        for c in s.scalars(select(Customer).order_by(Customer.id)):
            aliases = s.scalars(
                select(CustomerAlias.alias)
                .where(CustomerAlias.customer_id == c.id)
                .order_by(CustomerAlias.id)
            ).all()
            out[c.name] = (people.get(c.owner_id or 0), list(aliases))
        return out


def deals(
    sessions: sessionmaker[Session],
) -> list[tuple[str, str, str, Decimal | None, str, date | None]]:
    with sessions() as s:
        rows = s.execute(select(Deal, Customer.name).join(Customer).order_by(Deal.id)).all()
        return [
            (
                name,
                d.title,
                d.stage,
                d.amount,
                d.currency,
                d.expected_close.astimezone(SHANGHAI).date() if d.expected_close else None,
            )
            for d, name in rows
        ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_in_each_encoding_imports_and_again_changes_nothing(
    team: Chat, sessions: sessionmaker[Session], encoding: str
) -> None:
    data = SAMPLE.encode(encoding)
    done = run(sessions, data)
    assert isinstance(done, Applied)
    assert counts(done) == {
        "customers": (3, 0, 0, 0),
        "deals": (3, 0, 0, 0),
        "contacts": (2, 0, 0, 0),
    }
    assert customers(sessions) == {
        "华为": ("小李", ["Huawei", "华为技术"]),
        "Acme Corp": ("alice", ["Acme"]),
        "Globex": ("alice", []),
    }
    assert deals(sessions) == [
        ("华为", "私有化部署", "proposal", Decimal("500000.00"), "CNY", date(2027, 1, 15)),
        ("华为", "二期扩容", "lead", None, "CNY", date(2027, 3, 1)),
        ("Acme Corp", "40 seats", "proposal", Decimal("120000.00"), "USD", date(2027, 2, 1)),
    ]
    with sessions() as s:
        contacts = s.execute(
            select(Contact.name, Contact.title, Contact.phone, Contact.email)
        ).all()
        assert sorted(contacts) == [
            ("Hank", "CFO", "+1 555 0100", "hank@acme.com"),
            ("刘总", "CIO", "13800138000", None),
        ]
        deal = s.scalars(select(Deal).where(Deal.title == "私有化部署")).one()
        # kept as `/商机 华为 预计成交 2027-01-15` keeps it: the start of that working day
        assert deal.expected_close == datetime(2027, 1, 15, 9, 0, tzinfo=SHANGHAI)
        assert (deal.stage_entered_at, deal.last_touch_at, deal.created_at) == (NOW, NOW, NOW)
        owner = s.scalars(select(Person).where(Person.display_name == "小李")).one()
        assert deal.owner_id == owner.id
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("%.import"))
        ).all()
        assert sorted(actions) == ["customer.import"] * 3 + ["deal.import"] * 3
    again = run(sessions, data)
    assert counts(again) == {
        "customers": (0, 0, 3, 0),
        "deals": (0, 0, 3, 0),
        "contacts": (0, 0, 2, 0),
    }
    with sessions() as s:
        assert (
            s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action.like("%.import")))
            == 6
        )


def test_the_report_in_both_languages(team: Chat, sessions: sessionmaker[Session]) -> None:
    data = (SAMPLE + "Initech,,bob,pilot,quote,,,,,,\n").encode()
    made = run(sessions, data, write=False)
    en = report(made, Words(), "en")
    assert en.splitlines() == [
        "customers.csv: 5 rows read. What importing it would do:",
        "  Customers: 3 to create, 0 to update, 0 unchanged, 0 skipped",
        "  Deals: 3 to create, 0 to update, 0 unchanged, 0 skipped",
        "  Contacts: 2 to create, 0 to update, 0 unchanged, 0 skipped",
        "Problems in 1 row:",
        "  • row 6, 阶段: “quote” — a deal at this stage needs an amount",
        (
            "Owners dealbot does not know (nobody is made up for them: each must write to the"
            " bot once, or the name be fixed): bob (row 6)"
        ),
    ]
    zh = report(made, Words(), "zh_CN")
    assert "客户：新建 3，更新 0，无变化 0，跳过 0" in zh
    assert "  • 第 6 行，阶段：“quote” — 该阶段的商机需要金额" in zh
    assert "bob（第 6 行）" in zh
    done = run(sessions, data, skip_bad_rows=True)
    assert report(done, Words(), "en").splitlines()[:2] == [
        "Imported customers.csv:",
        "  Customers: 3 created, 0 updated, 0 unchanged, 0 skipped",
    ]
    assert "有问题的 1 行未导入。" in report(done, Words(), "zh_CN")


def test_unknown_owners_are_listed_once_and_never_created(
    team: Chat, sessions: sessionmaker[Session]
) -> None:
    with sessions() as s:
        people = s.scalar(select(func.count(Person.id)))
    data = b"Customer,Owner\nA1,bob\nA2,Bob\nA3,carol\nA4,alice\nA5,@alice\n"
    with pytest.raises(ImportRefused) as refused:
        tid = tenant_id(sessions)
        with sessions() as s:
            made = plan(
                s, tenant_id=tid, table=read_table(data, "x.csv"), pipeline=Pipeline(), now=NOW
            )
            apply(s, tenant_id=tid, plan=made, actor_id=None, now=NOW)
    made = refused.value.plan
    assert {n: [p.row for p in places] for n, places in made.unknown_owners.items()} == {
        "bob": [2],
        "Bob": [3],
        "carol": [4],
    }
    assert [p.row for p in made.bad_rows] == [2, 3, 4]
    with sessions() as s:
        assert s.scalar(select(func.count(Customer.id))) == 0  # refused: nothing written
    done = run(sessions, data, skip_bad_rows=True)
    assert counts(done)["customers"] == (2, 0, 0, 0)
    assert customers(sessions) == {"A4": ("alice", []), "A5": ("alice", [])}
    with sessions() as s:
        assert s.scalar(select(func.count(Person.id))) == people


def test_a_new_customer_needs_an_owner_unless_one_is_given(
    team: Chat, sessions: sessionmaker[Session]
) -> None:
    data = b"Customer\nLonely Co\n"
    assert problems(run(sessions, data, write=False)) == [(2, "owner", "", "missing_owner")]
    with sessions() as s:
        alice = s.scalars(select(Person.id).where(Person.display_name == "alice")).one()
    run(sessions, data, default_owner_id=alice)
    assert customers(sessions) == {"Lonely Co": ("alice", [])}


def test_duplicate_rows_are_skipped_and_conflicting_ones_are_problems(
    team: Chat, sessions: sessionmaker[Session]
) -> None:
    data = (
        "Customer,Owner,Deal,Amount,Contact,Title\n"
        "Acme,alice,pilot,10k,Hank,CFO\n"
        "Acme,alice,pilot,10k,Hank,CFO\n"  # the same row again
        "Acme,alice,pilot,12k,,\n"  # the same deal, another amount
        "Acme,小李,,,,\n"  # another owner for the same customer
        "Acme,,,,Hank,CEO\n"  # the same contact, another title
    ).encode()
    made = run(sessions, data, write=False)
    assert problems(made) == [
        (4, "Deal", "pilot", "conflicts_with"),
        (5, "Owner", "小李", "conflicts_with"),
        (6, "Contact", "Hank", "conflicts_with"),
    ]
    assert [(s.row, s.kind, s.reason, s.params) for s in made.skipped] == [
        (3, "deals", "duplicate", {"row": 2}),
        (3, "contacts", "duplicate", {"row": 2}),
    ]
    assert counts(made) == {
        "customers": (1, 0, 0, 0),
        "deals": (1, 0, 0, 1),
        "contacts": (1, 0, 0, 1),
    }
    assert "row 3 (deal): the same as row 2, imported once" in report(made, Words(), "en")
    sheet = xlsx(
        {
            "Customers": [
                ["Customer", "Owner"],
                ["Acme", "alice"],
                ["Acme", "alice"],
                ["Acme", "小李"],
            ]
        }
    )
    made = run(sessions, sheet, "customers.xlsx", write=False)
    assert counts(made)["customers"] == (1, 0, 0, 1)
    assert [(s.sheet, s.row, s.kind, s.reason) for s in made.skipped] == [
        ("Customers", 3, "customers", "duplicate")
    ]
    assert problems(made) == [(4, "Owner", "小李", "conflicts_with")]


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    book = XlsxWorkbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_bad_values_are_problems_with_their_place(
    team: Chat, sessions: sessionmaker[Session]
) -> None:
    data = (
        b"Customer,Owner,Deal,Stage,Amount,Currency,Close Date,Contact,Email,Phone\n"
        b"Acme,alice,pilot,proposal,lots,,2027-02-30,Hank,hank@,12\n"
        b'=HYPERLINK("http://x"),alice,,,,,,,,\n'
        b"Globex,alice,pilot,signed,$5,EUR,someday,,,\n"
        b",alice,pilot,,,,,,,\n"
        b"Initech,alice,,,,,,,x@y.com,\n"
        b"Umbrella,alice,big one,,10000000000000,,,,,\n"
    )
    made = run(sessions, data, write=False)
    assert problems(made) == [
        (2, "Amount", "lots", "bad_amount"),
        (2, "Close Date", "2027-02-30", "bad_date"),
        (2, "Email", "hank@", "bad_email"),
        (2, "Phone", "12", "bad_phone"),
        (3, "Customer", '=HYPERLINK("http://x")', "formula_text"),
        (4, "Stage", "signed", "unknown_stage"),
        (4, "Close Date", "someday", "bad_date"),
        (4, "Currency", "EUR", "currency_conflict"),
        (5, "Customer", "", "missing_customer"),
        (6, "Contact", "", "missing_contact"),
        (7, "Amount", "10000000000000", "amount_out_of_range"),
    ]
    en = report(made, Words(), "en")
    assert (
        "  • row 2, Amount: “lots” — not an amount (write 120000, 120k, ¥1,200,000 or 50万)" in en
    )
    assert "  • row 4, Stage: “signed” — not a stage of the pipeline (lead, qualify," in en
    assert "  • row 5, Customer: empty — no customer" in en
    zh = report(made, Words(), "zh_CN")
    assert "  • 第 4 行，Stage：“signed” — 不是销售流程中的阶段（首次联系、需求确认、" in zh
    assert counts(made)["customers"] == (0, 0, 0, 0)


def test_map_names_the_columns_nobody_knows(team: Chat, sessions: sessionmaker[Session]) -> None:
    data = (
        b"Kunde,Verantwortlich,Projekt,Wert,Wahrscheinlichkeit\nSiemens,alice,Pilot,5000 EUR,30\n"
    )
    with pytest.raises(Exception) as e:
        run(sessions, data, write=False)
    assert getattr(e.value, "key", None) == "no_customer_column"
    mapping = {"Kunde": "customer", "Verantwortlich": "owner", "Projekt": "deal", "Wert": "金额"}
    done = run(sessions, data, mapping=mapping)
    assert counts(done)["deals"] == (1, 0, 0, 0)
    assert done.plan.ignored_columns == ["Wahrscheinlichkeit"]
    assert deals(sessions) == [("Siemens", "Pilot", "lead", Decimal("5000.00"), "EUR", None)]
    with pytest.raises(MapError) as missing:
        run(sessions, data, mapping={"Kundin": "customer"})
    assert missing.value.key == "map_missing"


def test_stages_by_their_chinese_names_and_the_crms_words(
    team: Chat, sessions: sessionmaker[Session]
) -> None:
    data = (
        "客户名称,负责人,商机名称,阶段,金额\n"
        "华为,小李,一期,方案递交,10万\n"
        "华为,小李,二期,谈判审核,20万\n"
        "华为,小李,三期,Negotiation/Review,30万\n"
        "华为,小李,四期,需求,\n"  # the start of 需求确认
        "华为,小李,五期,赢单,40万\n"
    ).encode()
    done = run(sessions, data)
    assert [(d[1], d[2]) for d in deals(sessions)] == [
        ("一期", "proposal"),
        ("二期", "negotiate"),
        ("三期", "negotiate"),
        ("四期", "qualify"),
    ]
    assert [(s.row, s.reason) for s in done.plan.skipped] == [(6, "closed_not_imported")]
    assert "赢单的商机：只导入进行中的商机" in report(done, Words(), "zh_CN")


def test_the_external_id_wins_and_a_renamed_customer_keeps_its_old_name(
    team: Chat, sessions: sessionmaker[Session]
) -> None:
    run(sessions, b"Account ID,Account Name,Account Owner\n001A,Acme Inc,alice\n")
    done = run(
        sessions, "Account ID,Account Name,Account Owner\n001A,Acme Corporation,小李\n".encode()
    )
    assert counts(done)["customers"] == (0, 1, 0, 0)
    assert customers(sessions) == {"Acme Corporation": ("小李", ["Acme Inc"])}
    made = run(sessions, b"Account ID,Account Name\n002B,Acme Inc\n", write=False)
    # the name is another customer's (an alias of the one with 001A): said, not guessed
    assert problems(made) == [(2, "Account ID", "002B", "external_id_differs")]
    text = team.say("小李", "/客户 Acme Corporation 历史")
    assert "命令行导入 通过导入更新了该客户（负责人 @小李），来自 customers.csv 第 2 行" in text
    assert "命令行导入 导入了该客户（负责人 @alice），来自 customers.csv 第 2 行" in text


def test_rows_name_customers_by_alias_and_a_likely_duplicate_is_not_made(
    team: Chat, sessions: sessionmaker[Session]
) -> None:
    team.say("小李", "/商机 深圳云帆电子科技有限公司 新建 试点 5万")
    data = "客户名称,别名,负责人,商机名称,金额\n云帆电子,,小李,二期,8万\n".encode()
    assert problems(run(sessions, data, write=False)) == [
        (2, "客户名称", "云帆电子", "near_customer")
    ]
    with_alias = "客户名称,别名,负责人\n深圳云帆电子科技有限公司,云帆,小李\n".encode()
    assert counts(run(sessions, with_alias))["customers"] == (0, 1, 0, 0)
    by_alias = "客户名称,负责人,商机名称,金额\n云帆,小李,试点,6万\n".encode()
    done = run(sessions, by_alias)
    assert counts(done)["deals"] == (0, 1, 0, 0)
    assert deals(sessions) == [
        ("深圳云帆电子科技有限公司", "试点", "lead", Decimal("60000.00"), "CNY", None)
    ]
    text = team.say("小李", "/客户 云帆 历史")
    assert "通过导入更新了 D1，来自 customers.csv 第 2 行" in text


def test_open_deals_are_updated_closed_ones_never(
    team: Chat, sessions: sessionmaker[Session]
) -> None:
    team.say("alice", "/deal Acme new pilot 10k")
    team.say("alice", "/deal Acme close 2027-01-15")
    team.say("alice", "/deal Globex new rollout 50k")
    team.say("alice", "/deal Globex lost price")
    data = (
        b"Customer,Deal,Stage,Amount,Expected close\n"
        b"Acme,pilot,lead,10000,2027-01-15\n"  # as chat left it: unchanged
        b"Globex,rollout,proposal,60k,\n"  # lost: left alone
    )
    made = run(sessions, data, write=False)
    assert counts(made)["deals"] == (0, 0, 1, 1)
    assert [(s.row, s.reason, s.params) for s in made.skipped] == [
        (3, "closed_deal", {"deal": 2, "status": "lost"})
    ]
    moved = "Customer,Deal,Stage,Amount,Expected close\nAcme,pilot,quote,12k,2027-02-01\nAcme,pilot2,won,1k,\n"
    done = run(sessions, moved.encode())
    assert counts(done)["deals"] == (0, 1, 0, 1)
    assert deals(sessions)[0] == (
        "Acme",
        "pilot",
        "quote",
        Decimal("12000.00"),
        "CNY",
        date(2027, 2, 1),
    )
    with sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "deal.import")).one()
        assert (
            entry.detail["before"]["stage"] == "lead" and entry.detail["after"]["stage"] == "quote"
        )
        assert (entry.detail["file"], entry.detail["row"], entry.actor_id) == (
            "customers.csv",
            2,
            None,
        )
    text = team.say("alice", "/customer Acme history")
    assert (
        "dealbot import updated D1 by import, stage lead → quote from customers.csv, row 2" in text
    )
    closing = run(sessions, b"Customer,Deal,Stage\nAcme,pilot,won\n", write=False)
    assert [(s.reason, s.params) for s in closing.skipped] == [
        ("close_in_chat", {"deal": 1, "stage": "won"})
    ]


def test_a_plan_from_another_session_is_made_again_before_it_writes(
    team: Chat, sessions: sessionmaker[Session]
) -> None:
    tid = tenant_id(sessions)
    data = b"Customer,Owner,Deal\nAcme,alice,pilot\n"
    with sessions() as s:
        made = plan(s, tenant_id=tid, table=read_table(data, "x.csv"), pipeline=Pipeline(), now=NOW)
    assert counts(made)["customers"] == (1, 0, 0, 0)
    team.say("alice", "/deal Acme new pilot")  # meanwhile, in chat
    with sessions() as s:
        done = apply(s, tenant_id=tid, plan=made, actor_id=None, now=NOW)
        s.commit()
    assert counts(done)["customers"] == (0, 0, 1, 0)
    assert counts(done)["deals"] == (0, 0, 1, 0)
    with sessions() as s:
        assert s.scalar(select(func.count(Customer.id))) == 1


def test_amounts_without_a_currency_are_the_tenants(sessions: sessionmaker[Session]) -> None:
    chat = Chat(sessions, now="2026-12-07 10:00")  # UTC, English: dollars
    chat.say("alice", "/help")
    run(
        sessions,
        b"Customer,Owner,Deal,Amount\nAcme,alice,pilot,120k\nGlobex,alice,x,50\xe4\xb8\x87\n",
    )
    assert [(d[0], d[3], d[4]) for d in deals(sessions)] == [
        ("Acme", Decimal("120000.00"), "USD"),
        ("Globex", Decimal("500000.00"), "CNY"),  # 万 is yuan
    ]


def test_stages_by_the_aliases_the_pipeline_configures(
    team: Chat, sessions: sessionmaker[Session]
) -> None:
    from bot.config_pipeline import PipelineSection

    stages = [
        {"key": "lead", "stale_after_days": 7, "aliases": ["Cold", "冷线索"]},
        {"key": "pitch", "stale_after_days": 3, "zh_CN": "演示", "aliases": ["Demo booked"]},
        {"key": "won", "closed": True},
        {"key": "lost", "closed": True},
    ]
    pipeline = PipelineSection.model_validate({"stages": stages}).runtime()
    data = "Customer,Owner,Deal,Stage\nAcme,alice,a,cold\nAcme,alice,b,DEMO BOOKED\nAcme,alice,c,冷线索\n"
    with sessions() as s:
        made = plan(
            s,
            tenant_id=tenant_id(sessions),
            table=read_table(data.encode(), "x.csv"),
            pipeline=pipeline,
            now=NOW,
        )
    assert [d.stage for d in made.deals] == ["lead", "pitch", "lead"]
    with pytest.raises(ValueError, match="used by stages 'lead' and 'pitch'"):
        stages[1]["aliases"] = ["cold"]
        PipelineSection.model_validate({"stages": stages})


def test_one_external_id_for_two_names_in_one_file_is_a_problem(
    team: Chat, sessions: sessionmaker[Session]
) -> None:
    data = (
        b"Account ID,Account Name,Account Owner\nX1,Acme,alice\nX1,Globex,alice\nX2,Initech,alice\n"
    )
    made = run(sessions, data, write=False)
    assert problems(made) == [(3, "Account Name", "Globex", "conflicts_with")]
    run(sessions, b"Account ID,Account Name,Account Owner\nX1,Acme,alice\n")
    renamed = b"Account ID,Account Name\nX1,Acme Corp\nX1,Acme Inc\n"
    assert problems(run(sessions, renamed, write=False)) == [
        (3, "Account Name", "Acme Inc", "conflicts_with")
    ]
