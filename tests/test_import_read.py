"""Reading a spreadsheet sent to the import (bot/sheets/read.py): CSVs in the encodings Excel
writes, workbooks written by openpyxl, formulas read as values and never run, and hostile or
broken files refused early with a one-line reason in both languages."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook as XlsxWorkbook

from bot.i18n import Words
from bot.sheets.columns import MapError, find_header, parse_map, recognise
from bot.sheets.read import Limits, SheetError, read_table

ROWS = [
    ["客户名称", "负责人", "商机名称", "金额"],
    ["华为", "小李", "私有化部署", "50万"],
    ["Acme Corp", "alice", "40 seats", "120k"],
]


def csv_text(rows: list[list[str]]) -> str:
    return "".join(",".join(r) + "\r\n" for r in rows)


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


def cells(data: bytes, name: str, **limits: int) -> list[tuple[int, tuple[object, ...]]]:
    (sheet,) = read_table(data, name, limits=Limits(**limits)).sheets
    return [(r.number, r.cells) for r in sheet.rows]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_in_every_encoding_excel_writes_reads_the_same(encoding: str) -> None:
    data = csv_text(ROWS).encode(encoding)
    assert cells(data, "客户.csv") == [(n, tuple(r)) for n, r in enumerate(ROWS, 1)]


def test_gb18030_is_not_mistaken_for_utf8_and_blank_lines_keep_numbering() -> None:
    data = ("客户名称,负责人\r\n\r\n深圳云帆电子科技有限公司,小张\r\n,\r\n" + "华为,\r\n").encode(
        "gb18030"
    )
    assert cells(data, "x.csv") == [
        (1, ("客户名称", "负责人")),
        (3, ("深圳云帆电子科技有限公司", "小张")),
        (5, ("华为",)),
    ]


def test_semicolons_and_tabs_separate_too() -> None:
    assert cells(b"Customer;Owner\nAcme;alice\n", "x.csv")[1] == (2, ("Acme", "alice"))
    assert cells(b"Customer\tOwner\nAcme\talice\n", "x.tsv")[1] == (2, ("Acme", "alice"))


def test_a_workbook_reads_the_exports_sheets_and_skips_the_rest() -> None:
    data = xlsx(
        {
            "客户": [["客户名称", "负责人"], ["华为", "小李"]],
            "Touches": [["Customer", "Notes"], ["Acme", "call"]],
            "Deals": [
                ["Customer", "Deal", "Expected close"],
                [],
                ["Acme", "pilot", datetime(2027, 1, 15)],
            ],
        }
    )
    book = read_table(data, "export.xlsx")
    assert [s.title for s in book.sheets] == ["客户", "Deals"]
    deals = book.sheets[1].rows
    assert [(r.number, r.cells) for r in deals] == [
        (1, ("Customer", "Deal", "Expected close")),
        (3, ("Acme", "pilot", datetime(2027, 1, 15))),
    ]


def test_a_workbook_with_other_sheet_names_reads_its_first_sheet() -> None:
    data = xlsx({"Opportunities": ROWS, "Notes": [["x"]]})
    book = read_table(data, "crm.xlsx")
    assert [s.title for s in book.sheets] == ["Opportunities"]
    assert book.sheets[0].rows[1].cells == ("华为", "小李", "私有化部署", "50万")


def _with_formulas() -> bytes:
    """B2 =1+1 with no saved value (as openpyxl writes it); B3 =1+1 with the value 2 saved, as
    Excel saves it; B4 a formula that would run a program, its saved value text."""
    book = XlsxWorkbook()
    ws = book.active
    ws.title = "Customers"
    ws.append(["Customer", "Amount"])
    ws.append(["Acme", "=1+1"])
    ws.append(["Globex", "=1+1"])
    ws.append(["Initech", '=cmd|"/c calc"!A0'])
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            body = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                first = text.index("<f>1+1</f>")
                second = text.index("<f>1+1</f>", first + 1)
                text = text[:second] + text[second:].replace("<v />", "<v>2</v>", 1)
                third = text.index("calc")
                text = text[:third] + text[third:].replace("<v />", "<v>0</v>", 1)
                body = text.encode()
            target.writestr(part, body)
    return patched.getvalue()


def test_formulas_are_values_never_run() -> None:
    rows = cells(_with_formulas(), "f.xlsx")
    assert rows == [
        (1, ("Customer", "Amount")),
        (2, ("Acme",)),  # no saved value: empty, not 2, not the formula's text
        (3, ("Globex", 2)),  # the value Excel saved
        (4, ("Initech", 0)),
    ]


def test_a_zip_bomb_is_refused_before_openpyxl_parses_it() -> None:
    """A sheet part that inflates a thousand times, and whose XML is not even valid: refused as
    a bomb from the zip's directory alone (a parse would have said malformed)."""
    good = xlsx({"Customers": ROWS})
    source = zipfile.ZipFile(io.BytesIO(good))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            body = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                body = b"<" + b"\0" * (40 * 1024 * 1024)
            target.writestr(part.filename, body)
    data = bomb.getvalue()
    assert len(data) < 200_000
    with pytest.raises(SheetError) as e:
        read_table(data, "bomb.xlsx")
    assert e.value.key == "bomb"


def test_too_much_inflated_in_all_is_refused_too() -> None:
    with pytest.raises(SheetError) as e:
        read_table(xlsx({"Customers": ROWS}), "x.xlsx", limits=Limits(max_unzipped_bytes=1000))
    assert e.value.key == "bomb"


@pytest.mark.parametrize(
    ("data", "name", "key"),
    [
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "logo.csv", "not_a_table"),
        (b"%PDF-1.7 ...", "contract.pdf", "unsupported"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", "old_xls"),
        (b"Customer,Owner\nAcme,me\n", "renamed.xlsx", "not_xlsx"),
        (b"PK\x03\x04 broken", "broken.xlsx", "not_xlsx_zip"),
        (b"", "empty.csv", "empty"),
        (b"\xff\xfe\x00\xd8", "bad16.csv", "encoding"),
        (bytes([0x81, 0x30, 0x81]) + b"\xff" * 3, "bad.csv", "encoding"),
    ],
)
def test_files_that_are_no_table_get_a_reason(data: bytes, name: str, key: str) -> None:
    with pytest.raises(SheetError) as e:
        read_table(data, name)
    assert e.value.key == key
    assert e.value.args == (key, e.value.params)


def test_a_zip_that_is_no_workbook_and_a_truncated_one_are_malformed() -> None:
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(SheetError) as e:
        read_table(other.getvalue(), "x.xlsx")
    assert e.value.key == "malformed"
    good = xlsx({"Customers": ROWS})
    with pytest.raises(SheetError) as e:
        read_table(good[: len(good) // 2], "half.xlsx")
    assert e.value.key in ("not_xlsx_zip", "malformed")


def test_limits_of_size_rows_and_columns() -> None:
    header = "Customer,Owner\n"
    ok = (header + "".join(f"c{i},me\n" for i in range(20_000))).encode()
    assert len(cells(ok, "ok.csv")) == 20_001
    over = ok + b"one more,me\n"
    with pytest.raises(SheetError) as e:
        read_table(over, "over.csv")
    assert (e.value.key, e.value.params["limit"]) == ("too_many_rows", 20_000)
    with pytest.raises(SheetError) as e:
        read_table(",".join(["x"] * 201).encode(), "wide.csv")
    assert e.value.key == "too_many_columns"
    with pytest.raises(SheetError) as e:
        read_table(b"x" * 100, "big.csv", limits=Limits(max_bytes=99))
    assert e.value.key == "too_big"


def test_a_workbook_over_the_row_limit_stops_early() -> None:
    rows: list[list[object]] = [["Customer"]] + [[f"c{i}"] for i in range(30)]
    with pytest.raises(SheetError) as e:
        read_table(xlsx({"Customers": rows}), "x.xlsx", limits=Limits(max_rows=20))
    assert e.value.key == "too_many_rows"
    assert e.value.params["sheet"] == "Customers"


KEYS = {
    "too_big": {"size": 6_000_000, "limit": 5_242_880},
    "empty": {"name": "x.csv"},
    "old_xls": {"name": "x.xls"},
    "not_xlsx": {"name": "x.xlsx"},
    "not_xlsx_zip": {},
    "unsupported": {"name": "x.pdf"},
    "encoding": {},
    "not_a_table": {},
    "malformed": {"reason": "KeyError: xl/workbook.xml", "sheet": "客户"},
    "bomb": {},
    "too_many_rows": {"sheet": "", "limit": 20000},
    "too_many_columns": {"row": 3, "limit": 200, "sheet": "Deals"},
    "too_many_sheets": {"limit": 50},
    "no_sheet": {},
    "no_customer_column": {"sheet": "Sheet1", "headers": "Name, Owner"},
}


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_reason_is_one_line_in_both_languages(key: str, locale: str) -> None:
    text = SheetError(key, **KEYS[key]).text(Words(), locale)
    assert text and "\n" not in text and text != key  # worded, not the fallback


def test_headers_are_recognised_in_both_languages_and_the_crms_words() -> None:
    found = recognise(
        [
            "Account Name",
            "Account Owner",
            "Opportunity Name",
            "Stage",
            "Amount (USD)",
            "Close Date",
            "Probability",
            "客户编号",
            "预计成交日期（北京）",
        ]
    )
    assert found.fields == {
        "customer": 0,
        "owner": 1,
        "deal": 2,
        "stage": 3,
        "amount": 4,
        "expected_close": 5,
        "external_id": 7,
    }
    assert found.ignored == ["Probability", "预计成交日期（北京）"]  # the first close date wins
    zh = recognise(
        ["客户名称", "负责人", "商机名称", "阶段", "金额", "预计成交日期", "联系人", "电话"]
    )
    assert list(zh.fields) == [
        "customer",
        "owner",
        "deal",
        "stage",
        "amount",
        "expected_close",
        "contact",
        "phone",
    ]
    # the export's own columns the import does not read are not news
    assert recognise(["Customer", "Tags", "Created"]).ignored == []


def test_a_title_row_before_the_header_is_passed_over() -> None:
    rows = [("客户列表 导出于 2026-12-01",), ("客户名称", "负责人"), ("华为", "小李")]
    assert find_header(rows, None) == 1


def test_map_names_columns_by_field_key_or_header() -> None:
    mapping = parse_map("Kunde=customer, Verantwortlich=负责人; Wahrscheinlichkeit=-")
    assert mapping == {"Kunde": "customer", "Verantwortlich": "owner", "Wahrscheinlichkeit": "-"}
    found = recognise(["Kunde", "Verantwortlich", "Wahrscheinlichkeit"], mapping)
    assert found.fields == {"customer": 0, "owner": 1}
    assert found.ignored == ["Wahrscheinlichkeit"]
    for bad, key in (("Kunde", "map_syntax"), ("Kunde=Kundin", "map_field")):
        with pytest.raises(MapError) as e:
            parse_map(bad)
        assert e.value.key == key
        assert "\n" not in e.value.text(Words(), "zh_CN")


def test_a_workbook_with_xml_entities_is_refused_not_expanded() -> None:
    """A billion laughs (or an external entity) in a sheet: defusedxml refuses the DTD."""
    good = xlsx({"Customers": ROWS})
    source = zipfile.ZipFile(io.BytesIO(good))
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">'
        '<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    )
    hostile = io.BytesIO()
    with zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            body = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                text = laughs + text[text.index("<worksheet") :]
                body = text.replace("<t>华为</t>", "<t>&c;&x;</t>").encode()
            target.writestr(part.filename, body)
    with pytest.raises(SheetError) as e:
        read_table(hostile.getvalue(), "laughs.xlsx")
    assert e.value.key == "malformed"
    assert "passwd" not in str(e.value.params) and "aaaa" not in str(e.value.params)
