"""The export (bot/sheets/export.py) on a real store, built by a conversation: who sees what, the
sheets as Excel reads them back (frozen bold header, widths, real dates in the tenant's zone,
numbers with their currency), CSV, and formula-like text quoted in both."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import select

from bot.sheets import headers
from bot.sheets.export import KINDS, ExportFile, build_export, kinds
from storage.models import Contact, Customer, Person, Tenant
from tests.chat import Chat

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Mon 10:00 in Shanghai


@pytest.fixture
def chat(sessions):  # type: ignore[no-untyped-def]
    """root the admin; east: boss (lead) with alice and carl; west: wendy (lead) with dave."""
    chat = Chat(sessions, now="2026-12-01 10:00")
    chat.say("root", "/team east @boss @alice @carl")
    chat.say("root", "/team west @wendy @dave")
    chat.say("alice", "/deal Acme new 40 seats 120k")
    chat.say("alice", "/log Acme call Discussed pricing next: send quote by Fri")
    chat.say("carl", "/deal Globex new pilot 50k")
    chat.say("carl", "/log Globex visit demo went well")
    chat.say("dave", "/deal Initech new platform 1M")
    chat.say("dave", "/log Initech call first call")
    chat.say("dave", "/question Initech Do you support SSO?")
    return chat


def export(chat: Chat, viewer: str | None = None, **given) -> ExportFile:  # type: ignore[no-untyped-def]
    options = {"what": None, "fmt": "xlsx", "locale": "en", "tz": "Asia/Shanghai", "now": NOW}
    options.update(given)
    with chat.bot.sessions() as s:
        tenant = s.scalars(select(Tenant)).one()
        viewer_id = s.scalar(select(Person.id).where(Person.display_name == viewer))
        return build_export(s, tenant_id=tenant.id, viewer_id=viewer_id, **options)


def workbook(made: ExportFile) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(made.data))


def rows(made: ExportFile, title: str) -> list[dict[str, object]]:
    """A sheet's rows, each by its header."""
    sheet = workbook(made)[title]
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def column(made: ExportFile, title: str, header: str) -> list[object]:
    return [row[header] for row in rows(made, title)]


# --- who sees what ------------------------------------------------------------------------------


def test_a_rep_gets_only_their_own_customers_deals_and_touches(chat: Chat) -> None:
    made = export(chat, "alice")
    assert column(made, "Customers", "Customer") == ["Acme"]
    assert column(made, "Deals", "Deal") == ["40 seats"]
    assert column(made, "Touches", "Customer") == ["Acme"]
    assert column(made, "Tasks", "Task") == ["send quote"]
    assert column(made, "Questions", "Question") == []
    assert made.counts["customers"] == 1 and made.counts["questions"] == 0


def test_a_manager_gets_their_teams_and_an_admin_everything(chat: Chat) -> None:
    boss = export(chat, "boss")
    assert column(boss, "Customers", "Customer") == ["Acme", "Globex"]
    assert column(boss, "Deals", "Owner") == ["alice", "carl"]
    assert sorted(column(boss, "Touches", "Customer")) == ["Acme", "Globex"]  # type: ignore[type-var]
    wendy = export(chat, "wendy")
    assert column(wendy, "Customers", "Customer") == ["Initech"]
    assert column(wendy, "Questions", "Question") == ["Do you support SSO?"]
    for everything in (export(chat, "root"), export(chat, None)):
        assert column(everything, "Customers", "Customer") == ["Acme", "Globex", "Initech"]
        assert everything.counts["deals"] == 3 and everything.counts["touches"] == 3


def test_a_collaborator_gets_the_customer_shared_with_them_and_nothing_else(chat: Chat) -> None:
    chat.say("dave", "/customer Initech add @alice")
    made = export(chat, "alice")
    assert column(made, "Customers", "Customer") == ["Acme", "Initech"]
    assert column(made, "Customers", "Collaborators") == [None, "alice"]
    assert column(made, "Questions", "Question") == ["Do you support SSO?"]
    assert "Globex" not in column(made, "Deals", "Customer")


def test_a_viewer_of_another_tenant_is_refused(chat: Chat) -> None:
    with chat.bot.sessions() as s, pytest.raises(ValueError, match="not in tenant"):
        build_export(
            s,
            tenant_id=999,
            viewer_id=s.scalar(select(Person.id).where(Person.display_name == "root")),
            what=None,
            fmt="xlsx",
            locale="en",
            tz="UTC",
            now=NOW,
        )


# --- the process records -------------------------------------------------------------------------


def test_approvals_payment_plans_receipts_and_milestones(chat: Chat) -> None:
    chat.say("carl", "/approval D2 quote 48k discount 4% pilot pricing")
    chat.say("alice", "/deal Acme won")
    chat.say("alice", "/payment D1 30% 2027-01-10, 70% 2027-03-01")
    chat.say("alice", "/paid D1 36k")
    chat.say("alice", "/milestone D1 install Jan 20 @alice")
    made = export(chat, "boss")
    (approval,) = rows(made, "Approvals")
    assert approval["Ref"] == "A1" and approval["Deal ref"] == "D2"
    assert approval["Amount"] == 48000 and approval["Currency"] == "USD"
    assert approval["Discount %"] == 4 and approval["Status"] == "pending"
    assert approval["Requested by"] == "carl" and approval["Approver"] == "boss"
    plan = rows(made, "Payment plan")
    assert [(p["Step"], p["Amount"], p["Received"], p["Status"]) for p in plan] == [
        (1, 36000, 36000, "paid"),
        (2, 84000, 0, "open"),
    ]
    assert plan[0]["Due on"] == datetime(2027, 1, 10)  # a day, written as a date
    (received,) = rows(made, "Payments received")
    assert received["Amount"] == 36000 and received["Currency"] == "USD"
    (milestone,) = rows(made, "Milestones")
    assert milestone["Milestone"] == "install" and milestone["Owner"] == "alice"
    assert column(made, "Deals", "Stage") == ["won", "lead"]
    wendy = export(chat, "wendy")
    assert all(wendy.counts[k] == 0 for k in ("approvals", "payments", "receipts", "milestones"))


# --- the sheets -----------------------------------------------------------------------------------


def test_one_sheet_per_kind_with_a_bold_frozen_header(chat: Chat) -> None:
    book = workbook(export(chat))
    assert book.sheetnames == [headers.SHEETS[k]["en"] for k in KINDS]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])


def test_the_import_s_headers_exactly_for_customers_deals_and_contacts(chat: Chat) -> None:
    for locale in ("en", "zh_CN"):
        book = workbook(export(chat, locale=locale))
        heads = {k: [c.value for c in book[headers.SHEETS[k][locale]][1]] for k in KINDS[:3]}
        named = {f: headers.header(f, locale) for f in headers.HEADERS}
        assert heads["customers"][:4] == [
            named[f] for f in ("external_id", "customer", "aliases", "owner")
        ]
        deal_fields = ("customer", "deal", "stage", "amount", "currency", "expected_close", "owner")
        assert heads["deals"][1:8] == [named[f] for f in deal_fields]
        assert heads["contacts"] == [
            named[f] for f in ("customer", "contact", "title", "email", "phone")
        ]


def test_chinese_headers_titles_stages_and_words(chat: Chat) -> None:
    made = export(chat, locale="zh_CN")
    assert workbook(made).sheetnames[:4] == ["客户", "商机", "联系人", "跟进记录"]
    deal = rows(made, "商机")[0]
    assert deal["客户名称"] == "Acme" and deal["阶段"] == "首次联系" and deal["金额"] == 120000
    touch = rows(made, "跟进记录")[0]
    assert touch["类型"] == "电话" and "跟进时间（Asia/Shanghai）" in touch
    assert rows(made, "待办")[0]["状态"] == "未完成"


def test_times_are_the_tenant_s_wall_clock_and_amounts_are_numbers(chat: Chat) -> None:
    chat.at("2026-12-01 23:30")  # UTC: 07:30 the next morning in Shanghai
    chat.say("alice", "/log Acme call late call")
    made = export(chat, "alice")
    late = rows(made, "Touches")[-1]
    assert late["Notes"] == "late call"
    assert late["When (Asia/Shanghai)"] == datetime(2026, 12, 2, 7, 30)
    sheet = workbook(made)["Deals"]
    amount = sheet.cell(row=2, column=[c.value for c in sheet[1]].index("Amount") + 1)
    assert amount.value == 120000 and amount.data_type == "n"
    assert rows(made, "Deals")[0]["Currency"] == "USD"
    times = workbook(made)["Touches"].cell(row=3, column=7)
    assert times.is_date and times.number_format == "yyyy-mm-dd hh:mm"
    as_csv = export(chat, "alice", fmt="csv", what=["touches"])
    lines = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert lines[0][-1] == "When (Asia/Shanghai)" and lines[-1][-1] == "2026-12-02 07:30"
    deals = export(chat, "alice", fmt="csv", what=["deals"]).data.decode("utf-8-sig")
    deal = next(csv.DictReader(io.StringIO(deals)))
    assert deal["Amount"] == "120000.00" and deal["Currency"] == "USD"
    assert deal["Expected close"] == ""


def test_columns_fit_their_widest_value_cjk_counting_double(chat: Chat) -> None:
    chat.say("alice", "/deal 华为技术有限公司 new 私有化部署 500k")
    chat.say("alice", "/log Acme note " + "x" * 300)
    book = workbook(export(chat, "alice"))
    assert book["Customers"].column_dimensions["B"].width == 16 + 2  # 8 CJK characters
    assert book["Customers"].column_dimensions["D"].width == 6 + 2  # "Owner", never narrower
    assert book["Touches"].column_dimensions["D"].width == 60  # capped


# --- formula-like text ------------------------------------------------------------------------


HOSTILE = ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")']


def test_formula_like_cells_get_a_leading_quote_in_csv_and_xlsx(chat: Chat) -> None:
    with chat.bot.sessions.begin() as s:
        acme = s.scalars(select(Customer).where(Customer.name == "Acme")).one()
        for n, text in enumerate(HOSTILE):
            s.add(Contact(tenant_id=acme.tenant_id, customer_id=acme.id, name=text, title=str(n)))
    as_csv = export(chat, fmt="csv", what=["contacts"])
    assert as_csv.name == "dealbot-export-2026-12-07.csv"
    raw = as_csv.data
    assert raw.startswith(b"\xef\xbb\xbf")
    found = [r["Contact"] for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))]
    assert found == ["'" + text for text in HOSTILE]
    sheet = workbook(export(chat, what=["contacts"]))["Contacts"]
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    # (XML reads a carriage return back as a line feed)
    assert [c.value for c in cells] == ["'" + text.replace("\r", "\n") for text in HOSTILE]
    assert {c.data_type for c in cells} == {"s"}


# --- kinds and formats ------------------------------------------------------------------------


def test_kinds_by_english_and_chinese_names_in_the_order_of_kinds() -> None:
    assert kinds(None) == KINDS
    assert kinds(["客户，商机", "跟进记录"]) == ("customers", "deals", "touches")
    assert kinds(["milestones,Customers", "已回款 回款计划"]) == (
        "customers",
        "payments",
        "receipts",
        "milestones",
    )
    with pytest.raises(ValueError, match=r"unknown kind 'bogus'; known: customers, deals"):
        kinds(["customers,bogus"])


def test_several_kinds_in_csv_are_a_zip_of_one_csv_each(chat: Chat) -> None:
    made = export(chat, fmt="csv", what=["customers,deals"], locale="zh_CN")
    assert made.name == "dealbot-export-2026-12-07.zip"
    assert made.counts == {"customers": 3, "deals": 3}
    with zipfile.ZipFile(io.BytesIO(made.data)) as zf:
        assert zf.namelist() == ["客户.csv", "商机.csv"]
        customers = zf.read("客户.csv")
    assert customers.startswith(b"\xef\xbb\xbf")
    assert customers.decode("utf-8-sig").splitlines()[0].startswith("外部编号,客户名称,别名,负责人")


def test_aliases_in_one_cell_and_an_unknown_format_refused(chat: Chat) -> None:
    chat.say("alice", "/customer Acme alias Acme Corp")
    chat.say("alice", "/customer Acme alias 艾克米")
    assert column(export(chat, "alice"), "Customers", "Aliases") == ["Acme Corp; 艾克米"]
    with pytest.raises(ValueError, match="unknown format"):
        export(chat, fmt="ods")
