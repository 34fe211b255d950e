"""The layout's rules, checked: imports go one way, and the code stays lint-clean."""

from __future__ import annotations

import ast
import re
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


def test_ruff_format_is_applied() -> None:
    """STYLE says ruff format; no `# fmt: skip` is left to hide from it."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_bot_names_no_platform() -> None:
    """The core never branches on, or even speaks of, a platform: no platform name anywhere in
    bot/ (code, strings, comments), except the CLI that wires adapters in."""
    platform = re.compile(r"\b(slack|feishu|lark|wecom)\b", re.IGNORECASE)
    for path in (ROOT / "bot").rglob("*.py"):
        if path.name == "cli.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            assert not platform.search(line), f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
