"""`dealbot import FILE` (adapters/cli/imports.py) through click, on a SQLite store a
conversation filled: the report first, --dry-run writes nothing, problems stop it (exit 1)
unless --skip-bad-rows, the tenant found or asked for, the report's language, and every bad
input answered in one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from adapters.cli.main import main
from storage import db
from storage.models import Customer, Deal, Person, Tenant, Workspace
from tests.chat import Chat

GOOD = "客户名称,负责人,商机名称,阶段,金额,预计成交日期\n华为,小李,私有化部署,方案递交,50万,2027-01-15\nAcme,alice,pilot,lead,120k,\n"
BAD = GOOD + "Globex,bob,x,lead,lots,\n"


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'dealbot.db'}"
    sessions = db.open_store(url)
    chat = Chat(sessions, now="2026-12-07 10:00", tz="Asia/Shanghai", locale="zh_CN")
    chat.say("王经理", "/团队 华东 @王经理 @小李 @alice")
    sessions.kw["bind"].dispose()
    return url


def write(tmp_path: Path, text: str, name: str = "customers.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["import", *args])


def count(url: str, model: type) -> int:
    sessions = db.open_store(url, migrate=False)
    try:
        with sessions() as s:
            return int(s.scalar(select(func.count(model.id))) or 0)
    finally:
        sessions.kw["bind"].dispose()


def test_dry_run_prints_the_report_and_writes_nothing(url: str, tmp_path: Path) -> None:
    result = run(write(tmp_path, GOOD), "--db", url, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == [
        "customers.csv: 2 rows read. What importing it would do:",
        "  Customers: 2 to create, 0 to update, 0 unchanged, 0 skipped",
        "  Deals: 2 to create, 0 to update, 0 unchanged, 0 skipped",
    ]
    assert result.stderr.strip() == "Nothing written (a dry run)."
    assert count(url, Customer) == 0 and count(url, Deal) == 0


def test_import_writes_and_again_changes_nothing(url: str, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, encoding="gb18030")
    result = run(path, "--db", url)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [
        "Imported customers.csv:",
        "  Customers: 2 created, 0 updated, 0 unchanged, 0 skipped",
    ]
    assert (count(url, Customer), count(url, Deal)) == (2, 2)
    again = run(path, "--db", url, "--lang", "zh_CN")
    assert again.exit_code == 0
    assert "  客户：新建 0，更新 0，无变化 2，跳过 0" in again.stdout
    assert "  商机：新建 0，更新 0，无变化 2，跳过 0" in again.stdout


def test_problems_stop_it_unless_bad_rows_are_skipped(url: str, tmp_path: Path) -> None:
    path = write(tmp_path, BAD)
    result = run(path, "--db", url)
    assert result.exit_code == 1
    assert "  • row 4, 金额: “lots” — not an amount" in result.stdout
    assert "bob (row 4)" in result.stdout
    assert result.stderr.strip() == (
        "Nothing imported: fix the problems and import again, or import the other rows with"
        " --skip-bad-rows."
    )
    assert count(url, Customer) == 0
    dry = run(path, "--db", url, "--dry-run")
    assert dry.exit_code == 1  # it would stop
    skipped = run(path, "--db", url, "--skip-bad-rows", "--lang", "zh_CN")
    assert skipped.exit_code == 0, skipped.output
    assert "有问题的 1 行未导入。" in skipped.stdout
    assert count(url, Customer) == 2
    people = count(url, Person)
    assert people == 3  # bob was never made up


def test_the_configured_language_is_the_default(url: str, tmp_path: Path) -> None:
    config = tmp_path / "dealbot.toml"
    config.write_text('[bot]\nlocale = "zh_CN"\n', encoding="utf-8")
    result = run(write(tmp_path, GOOD), "--db", url, "--config", str(config), "--dry-run")
    assert result.stdout.startswith("customers.csv：读取 2 行。导入将会：")
    assert result.stderr.strip() == "未写入任何内容（试运行）。"


def test_map_and_owner(url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "Kunde,Projekt,Wert\nSiemens,Pilot,5000 EUR\n")
    assert run(path, "--db", url, "--map", "Kunde=customer,Projekt=deal,Wert=amount").exit_code == 1
    result = run(
        path, "--db", url, "--map", "Kunde=customer,Projekt=deal,Wert=amount", "--owner", "alice"
    )
    assert result.exit_code == 0, result.output
    typo = run(path, "--db", url, "--map", "Kundin=customer")
    assert typo.exit_code == 1
    assert typo.stderr.strip() == "--map names the column “Kundin”, which the file does not have."
    bad = run(path, "--db", url, "--map", "Kunde")
    assert bad.stderr.strip() == "--map takes Header=field pairs separated by commas, not “Kunde”."
    nobody = run(path, "--db", url, "--owner", "carol")
    assert (nobody.exit_code, nobody.stderr.strip()) == (
        1,
        "Nobody dealbot knows is called “carol”.",
    )


def test_the_tenant_is_the_only_one_or_named(url: str, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    sessions = db.open_store(url, migrate=False)
    with sessions.begin() as s:
        first = s.scalars(select(Tenant)).one()
        other = Tenant(name="slack:T123", created_at=first.created_at)
        s.add(other)
        s.flush()
        s.add(Workspace(tenant_id=other.id, platform="slack", external_id="T123"))
        names = [f"{first.id} {first.name}", f"{other.id} slack:T123"]
    sessions.kw["bind"].dispose()
    several = run(path, "--db", url, "--dry-run")
    assert several.exit_code == 1
    assert several.stderr.strip() == (
        f"This database has several teams: say which with --tenant ({', '.join(names)})."
    )
    assert run(path, "--db", url, "--dry-run", "--tenant", str(first.id)).exit_code == 0
    assert run(path, "--db", url, "--dry-run", "--tenant", first.name).exit_code == 0
    by_workspace = run(path, "--db", url, "--dry-run", "--tenant", "T123")
    assert by_workspace.exit_code == 1  # nobody in that team: the owners are unknown there
    assert "小李 (row 2)" in by_workspace.stdout
    wrong = run(path, "--db", url, "--tenant", "nope", "--lang", "zh_CN")
    assert wrong.stderr.strip() == f"没有团队“nope”；现有：{'、'.join(names)}。"


def test_a_store_without_a_team_says_how_to_get_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    db.open_store(url).kw["bind"].dispose()  # migrated, empty
    result = run(write(tmp_path, GOOD), "--db", url)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("This database has no team yet: start dealbot once")


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("missing.csv", None, "missing.csv cannot be read: No such file or directory"),
        (
            "logo.png",
            b"\x89PNG\r\n\x1a\n",
            "logo.png is not a spreadsheet dealbot reads: send .xlsx or .csv.",
        ),
        (
            "fake.xlsx",
            b"Customer\nAcme\n",
            "fake.xlsx is not an Excel workbook, whatever its name says.",
        ),
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0" + b"\0" * 64,
            "old.xls is an old Excel file (.xls): save it as .xlsx or .csv and import that.",
        ),
        (
            "nothing.csv",
            b"Name,Owner\nAcme,alice\n",
            'No column names the customer (its headers: Name, Owner); name one with --map "Header=customer".',
        ),
    ],
)
def test_bad_files_get_one_line_never_a_traceback(
    url: str, tmp_path: Path, name: str, data: bytes | None, said: str
) -> None:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    result = run(str(path), "--db", url)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip().endswith(said)
    assert "Traceback" not in result.output


def test_a_database_that_is_behind_is_refused(tmp_path: Path) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = db.make_engine(url)
    command.upgrade(db.alembic_config(engine), "0022")
    engine.dispose()
    result = run(write(tmp_path, GOOD), "--db", url)
    assert result.exit_code == 1
    assert "the database is behind: run `dealbot db upgrade` first" in result.output


def test_the_examples_import_for_a_newcomer(tmp_path: Path) -> None:
    """README's path: the console once (its speaker is `me`), then the sample workbook; the
    CSV it was written from is the same customers, so it changes nothing after it."""
    url = f"sqlite:///{tmp_path / 'dealbot.db'}"
    sessions = db.open_store(url)
    Chat(sessions, now="2026-12-07 10:00").say("me", "/help")
    sessions.kw["bind"].dispose()
    examples = Path(__file__).resolve().parent.parent / "examples"
    first = run(str(examples / "customers.xlsx"), "--db", url)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[1:4] == [
        "  Customers: 9 created, 0 updated, 0 unchanged, 0 skipped",
        "  Deals: 7 created, 0 updated, 0 unchanged, 0 skipped",
        "  Contacts: 2 created, 0 updated, 0 unchanged, 0 skipped",
    ]
    again = run(str(examples / "customers.csv"), "--db", url)
    assert again.exit_code == 0, again.output
    assert "  Customers: 0 created, 0 updated, 9 unchanged, 0 skipped" in again.stdout
    assert "  Deals: 0 created, 0 updated, 7 unchanged, 0 skipped" in again.stdout
