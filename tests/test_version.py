"""`dealbot --version`: version, commit, Python and the schema revision of the database it would
use (read only, never created nor waited for) against the head the code expects."""

from __future__ import annotations

import platform
import socket
import sqlite3
from importlib.metadata import version as metadata_version

from click.testing import CliRunner

from adapters.cli import version
from adapters.cli.main import main
from storage import db


def run(env: dict[str, str]) -> str:
    result = CliRunner().invoke(main, ["--version"], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_version_names_package_python_and_a_migrated_databases_revision(tmp_path):
    path = tmp_path / "v.db"
    db.upgrade(db.make_engine(f"sqlite:///{path}"))
    head = version.head_revision()
    out = run({"DEALBOT_DATABASE_URL": f"sqlite:///{path}", "DEALBOT_COMMIT": "abc123"})
    lines = out.splitlines()
    assert lines[0] == f"dealbot {metadata_version('dealbot')}"
    assert lines[1].startswith("commit: ") and "unknown" not in lines[1]  # a checkout or abc123
    assert f"python: {platform.python_version()}" in out
    assert f"schema revision: {head} (current)" in out
    assert f"schema head (this code): {head}" in out


def test_a_missing_sqlite_file_is_unknown_and_not_created(tmp_path):
    path = tmp_path / "absent.db"
    out = run({"DEALBOT_DATABASE_URL": f"sqlite:///{path}"})
    assert f"schema revision: unknown (no database file at {path})" in out
    assert not path.exists()


def test_an_unmigrated_database_says_none(tmp_path):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    out = run({"DEALBOT_DATABASE_URL": f"sqlite:///{path}"})
    assert "schema revision: none (not migrated yet)" in out


def test_an_unreachable_server_is_unknown_with_its_reason_and_no_password():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://dealbot:s3cret@127.0.0.1:{port}/dealbot"
    out = run({"DEALBOT_DATABASE_URL": url})
    assert "s3cret" not in out
    assert f"database: postgresql+psycopg://dealbot:***@127.0.0.1:{port}/dealbot" in out
    revision = next(line for line in out.splitlines() if line.startswith("schema revision:"))
    assert revision.startswith("schema revision: unknown (") and len(revision) > 30


def test_commit_from_the_checkout_else_the_images_variable_else_unknown(tmp_path):
    assert version.commit({"DEALBOT_COMMIT": "0123abcd"}, source=tmp_path) == "0123abcd"
    assert version.commit({}, source=tmp_path).startswith("unknown (")
    assert version.commit({"DEALBOT_COMMIT": "unknown"}, source=tmp_path).startswith("unknown (")
    if (version.SOURCE / ".git").exists():  # run from a checkout (not an installed wheel)
        assert version.commit({"DEALBOT_COMMIT": "x"}).endswith("(git checkout)")


def test_version_runs_no_command():
    result = CliRunner().invoke(main, ["--version", "db", "upgrade"], env={})
    assert result.exit_code == 0
    assert "database is at the newest schema" not in result.output
