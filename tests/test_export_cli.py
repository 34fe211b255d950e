"""`dealbot export` (adapters/cli/export.py) through click, on a SQLite store a conversation
filled: xlsx by default, CSV of one kind to standard output, a zip of several, the tenant to
export, a mistyped kind, and `dealbot export audit` beside it."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from adapters.cli.main import main
from storage import db
from storage.models import Tenant
from tests.chat import Chat


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'dealbot.db'}"
    sessions = db.open_store(url)
    chat = Chat(sessions, now="2026-12-01 10:00")
    chat.say("root", "/team east @boss @alice")
    chat.say("alice", "/deal Acme new 40 seats 120k")
    chat.say("alice", "/log Acme call =1+2 seats, pricing")
    chat.say("alice", "/deal 华为 new 私有化部署 500k")
    sessions.kw["bind"].dispose()
    return url


def run(*args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, ["export", *args])
    return result.exit_code, result.stdout_bytes, result.stderr


def test_xlsx_of_everything_by_default_named_by_its_day(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the file goes to the current directory
    result = CliRunner().invoke(main, ["export", "--db", url])
    assert result.exit_code == 0, result.output
    (written,) = Path().glob("*.xlsx")
    book = openpyxl.load_workbook(written)
    assert re.fullmatch(r"dealbot-export-\d{4}-\d{2}-\d{2}\.xlsx", written.name)
    assert book.sheetnames[:3] == ["Customers", "Deals", "Contacts"]
    assert [r[1] for r in book["Customers"].iter_rows(min_row=2, values_only=True)] == [
        "Acme",
        "华为",
    ]
    line = result.stderr.strip()
    assert line.startswith(f"test:w1: wrote {written.name} (customers 2, deals 2, contacts 0,")
    assert "\n" not in line


def test_csv_of_one_kind_to_standard_output(url: str) -> None:
    code, out, err = run("--db", url, "--format", "csv", "--what", "touches", "-o", "-")
    assert code == 0, err
    assert out.startswith(b"\xef\xbb\xbf")
    header, touch = list(csv.reader(io.StringIO(out.decode("utf-8-sig"), newline="")))
    assert header[:4] == ["Customer", "Deal", "Type", "Notes"]
    assert touch[:4] == ["Acme", "40 seats", "call", "'=1+2 seats, pricing"]
    assert touch[-1] == "2026-12-01 10:00"  # the tenant's zone: UTC here
    assert err.strip() == "test:w1: wrote standard output (touches 1)"


def test_csv_of_several_kinds_is_a_zip_in_chinese_with_lang(url: str, tmp_path: Path) -> None:
    target = tmp_path / "out.zip"
    code, _, err = run(
        "--db", url, "--format", "csv", "--what", "客户,商机", "--lang", "zh_CN", "-o", str(target)
    )
    assert code == 0, err
    with zipfile.ZipFile(target) as zf:
        assert zf.namelist() == ["客户.csv", "商机.csv"]
        deals = list(csv.DictReader(io.StringIO(zf.read("商机.csv").decode("utf-8-sig"))))
    assert [(d["客户名称"], d["阶段"], d["金额"], d["币种"]) for d in deals] == [
        ("Acme", "首次联系", "120000.00", "USD"),
        ("华为", "首次联系", "500000.00", "USD"),
    ]
    assert f"wrote {target} (customers 2, deals 2)" in err


def test_an_unknown_kind_is_one_line_naming_the_known_ones(url: str) -> None:
    code, out, err = run("--db", url, "--what", "customers,bogus")
    assert code == 1 and out == b""
    assert err.startswith("Error: unknown kind 'bogus'; known: customers, deals, contacts")
    assert len(err.strip().splitlines()) == 1


def test_several_tenants_are_named_and_one_is_chosen_by_name_or_id(url: str) -> None:
    sessions = db.open_store(url)
    with sessions.begin() as s:
        s.add(Tenant(name="globex", created_at=datetime(2026, 12, 1, tzinfo=UTC)))
    sessions.kw["bind"].dispose()
    code, _, err = run("--db", url, "--format", "csv", "-o", "-")
    assert code == 1
    assert err.strip() == "Error: several tenants: 1 test:w1; 2 globex (--tenant NAME|ID)"
    code, _, err = run("--db", url, "--tenant", "GLOBEX", "--format", "csv", "-o", "-")
    assert code == 0, err
    assert err.strip().startswith("globex: wrote standard output (customers 0,")
    code, _, err = run(
        "--db", url, "--tenant", "1", "--format", "csv", "--what", "deals", "-o", "-"
    )
    assert code == 0 and "deals 2" in err
    code, _, err = run("--db", url, "--tenant", "nobody")
    assert code == 1 and "no single tenant 'nobody': 1 test:w1; 2 globex" in err


def test_export_audit_still_works(url: str) -> None:
    code, out, err = run("audit", "--db", url)
    assert code == 0, err
    lines = out.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("at,tenant,actor,actor_id,action")
    assert any(",deal.new," in line for line in lines[1:])
