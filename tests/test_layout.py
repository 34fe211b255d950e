"""The layout's rules, checked: imports go one way, and the code stays lint-clean."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "lark_oapi", "wechatpy")


def imports(package: str) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[path.relative_to(ROOT)] = names
    return found


def top(name: str) -> str:
    return name.split(".")[0]


def test_storage_knows_nothing_of_chat() -> None:
    for path, names in imports("storage").items():
        assert not {top(n) for n in names} & {"bot", "adapters"}, path


def test_only_the_cli_in_bot_imports_adapters_and_no_sdk_leaks() -> None:
    for path, names in imports("bot").items():
        tops = {top(n) for n in names}
        assert not tops & set(PLATFORM_SDKS), path
        if path != Path("bot/cli.py"):
            assert "adapters" not in tops, path


def test_adapters_reach_the_store_only_through_the_core() -> None:
    for path, names in imports("adapters").items():
        assert "storage" not in {top(n) for n in names}, path


def test_ruff_is_clean() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_bot_names_no_platform_in_its_code() -> None:
    """The core never branches on a platform: no platform name in bot/'s identifiers or string
    values (comments and docstrings may give examples), except the CLI that wires adapters."""
    platforms = ("slack", "feishu", "lark", "wecom")
    for path in (ROOT / "bot").rglob("*.py"):
        if path.name == "cli.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) in docstrings:
                    continue
                word = node.value.lower()
            elif isinstance(node, ast.Name):
                word = node.id.lower()
            elif isinstance(node, ast.Attribute):
                word = node.attr.lower()
            else:
                continue
            assert not any(p in word for p in platforms), (path, word)
