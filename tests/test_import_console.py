"""/import and /export through the real `dealbot console`: examples/import.txt (an admin imports
a spreadsheet sent with `:file`, sees the report, imports the good rows with a click, looks a
customer up and exports; a manager does the same in Chinese; a rep is refused), and the
refusals — too large, not a spreadsheet, no file — in both languages."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.test_console import ROOT, run_console
from tests.test_process_tours import after


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> str:
    script = (ROOT / "examples" / "import.txt").read_text()
    return run_console(script, tmp_path_factory.mktemp("import") / "import.db")


def sent_file(out: str, who: str) -> Path:
    """The file the console wrote for the last attachment pushed to `who`."""
    paths = re.findall(rf"→ @{who}: \[file: [^\]]*\] (\S+)", out)
    assert paths, f"no file pushed to {who}"
    path = Path(paths[-1])
    return path if path.is_absolute() else ROOT / path


def test_the_report_comes_first_and_the_good_rows_are_imported_with_a_click(tour: str) -> None:
    sent = after(tour, "[boss] :file examples/import_customers.csv /import")
    assert "import_customers.csv: 4 rows read. What importing it would do:" in sent
    assert "Customers: 3 to create, 0 to update" in sent
    assert "dana (row 5)" in sent  # an owner nobody knows: the row is left out, not made up
    assert "It creates 3 customers, 2 deals, 3 contacts." in sent
    assert "[1] Import the good rows   :click import.go:1:1" in sent
    clicked = after(sent, ":click 1")
    assert "Imported import_customers.csv:" in clicked
    assert "Customers: 3 created" in clicked and "Left out: 1 row with problems." in clicked
    assert "✓ import_customers.csv imported by @boss" in clicked
    acme = after(clicked, "[boss] /customer Acme")
    assert "Acme — owner @alice" in acme and "Hank Hill, CFO" in acme
    assert "D1 “40-seat license” $120,000 — stage proposal" in acme


def test_without_a_file_import_says_how_to_send_one(tour: str) -> None:
    how = after(tour, "[boss] /import\n")
    assert "send me the .xlsx or .csv file in a direct message" in how.split("\n[")[0]
    how_zh = after(tour, "[王经理] /导入\n")
    assert "私信把 .xlsx 或 .csv 文件发给我" in how_zh.split("\n[")[0]


def test_the_same_file_again_changes_nothing_and_a_decided_card_stays_decided(tour: str) -> None:
    again = after(tour, "[boss] :file examples/import_customers.csv\n")
    assert "Customers: 0 to create, 0 to update, 3 unchanged" in again
    assert "Nothing in it can be imported as it is." in again
    assert "✗ import_customers.csv: import cancelled by @boss" in after(again, ":click 1")
    spent = after(again, ":click import.go:1:1")
    assert "import_customers.csv was already imported: nothing more was done." in spent


def test_a_rep_may_not_import_but_exports_what_they_see_to_themselves(tour: str) -> None:
    rep = after(tour, "[alice] :file examples/import_customers.csv")
    assert "dealbot → @alice only: Only admins and managers import spreadsheets" in rep
    exported = after(rep, "[alice] /export customers")
    assert "📤 Sent to you in a direct message: customers 2 (dealbot-export-2026-12-07.xlsx)." in (
        exported
    )
    sheet = openpyxl.load_workbook(sent_file(exported.split("[boss]")[0], "alice"))["Customers"]
    rows = list(sheet.iter_rows(values_only=True))
    at = rows[0].index("Customer")
    names = sorted(row[at] for row in rows[1:])
    assert names == ["Acme", "Initech"]  # hers; Globex is carl's


def test_an_admin_exports_several_kinds_as_csv_in_a_zip(tour: str) -> None:
    exported = after(tour, "[boss] /export customers, deals csv")
    assert "customers 3, deals 2 (dealbot-export-2026-12-07.zip)" in exported
    with zipfile.ZipFile(sent_file(exported.split("[boss] /export clients")[0], "boss")) as z:
        assert len(z.namelist()) == 2
    unknown = after(tour, "[boss] /export clients")
    assert "I can't export “clients”: nothing was exported." in unknown


def test_a_manager_imports_and_exports_in_chinese(tour: str) -> None:
    zh = after(tour, "[王经理] :file examples/import_customers_zh.csv")
    assert "import_customers_zh.csv：读取 2 行。导入将会：" in zh
    assert "将新建客户 2 个、商机 2 个、联系人 2 个。" in zh
    assert "[1] 导入   :click import.go:" in zh
    assert "✓ import_customers_zh.csv 已由 @王经理 导入" in after(zh, ":click 1")
    assert "华为 — 负责人 @小李" in after(zh, "[王经理] /客户 华为")
    exported = after(zh, "[王经理] /导出 客户,商机")
    assert "📤 已私信发给你：客户 2 条，商机 2 条" in exported
    book = openpyxl.load_workbook(sent_file(exported.split("[小李]")[0], "王经理"))
    assert book.sheetnames == ["客户", "商机"]
    assert "只有管理员和经理可以导入表格" in after(tour, "[小李] /导入")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_files_that_cannot_be_imported_are_refused_in_the_speakers_language(
    lang: str, tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"Customer\n" + b"Acme Corporation Limited\n" * 250_000)  # > 5 MB
    photo = tmp_path / "whiteboard.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is no workbook")
    rows = tmp_path / "rows.csv"
    rows.write_text("Customer\n" + "".join(f"C{n}\n" for n in range(20_001)))
    word = "/import" if lang == "en" else "/导入"
    script = "\n".join(
        [
            f"[boss] {word}",
            f"[boss] :file {big} {word}",
            f"[boss] :file {photo}",
            f"[boss] :file {broken}",
            f"[boss] :file {rows}",
            f"[boss] :file {tmp_path / 'missing.csv'}",
        ]
    )
    out = run_console(script, tmp_path / "refused.db")
    said = {
        "en": [
            "big.csv is 6.0 MB, more than the 5 MB I import: nothing was imported.",
            "whiteboard.png is not a spreadsheet I can read",
            "broken.xlsx: broken.xlsx is not an Excel workbook",
            "rows.csv:",
        ],
        "zh": [
            "big.csv有 6.0 MB，超过了可导入的 5 MB，未导入任何内容。",
            "whiteboard.png不是我能读取的表格",
            "broken.xlsx：",
            "rows.csv：",
        ],
    }[lang]
    for words in said:
        assert words in out, words
    assert "20000" in after(out, f":file {rows}") or "20,000" in after(out, f":file {rows}")
    assert "Nothing was imported." in out if lang == "en" else "未导入任何内容" in out
    assert f"! :file: there is no file '{tmp_path / 'missing.csv'}'; nothing was sent" in out
    assert "Traceback" not in out and ":click import.go" not in out


def test_export_of_every_kind_is_one_workbook(tmp_path: Path) -> None:
    out = run_console("[boss] /deal Acme new 40 seats 120k\n[boss] /export\n", tmp_path / "e.db")
    assert "📤 Sent to you in a direct message: customers 1, deals 1, contacts 0" in out
    book = openpyxl.load_workbook(io.BytesIO(sent_file(out, "boss").read_bytes()))
    assert len(book.sheetnames) == 11
