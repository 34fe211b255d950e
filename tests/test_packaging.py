"""Lean installs: what the code imports is what pyproject.toml declares, each chat platform's SDK
in its own extra (dealbot[slack], [feishu], [wecom]; [all]); the core and the console load no
platform SDK; a configured platform whose extra is missing is named with the pip line that
fixes it. DEALBOT_TEST_FRESH_VENV=1 also installs dealbot[slack] into a fresh venv and serves
Slack from it (a minute or two, with pip's cache)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from adapters.registry import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "adapters", "storage", "messages")
PLATFORMS = [e.name for e in REGISTRY if e.extra]
# declared, never imported by name: the database driver a URL names; the CJK font package,
# opened with importlib.resources (bot/charts/fonts.py)
NOT_IMPORTED = {"psycopg", "noto-cjk-sans-otc"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(requirements: list[str]) -> set[str]:
    return {_norm(re.match(r"[A-Za-z0-9._-]+", r)[0]) for r in requirements}  # type: ignore[index]


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
CORE = _names(PROJECT["dependencies"])
EXTRAS = {k: _names(v) for k, v in PROJECT["optional-dependencies"].items()}


def imports(path: Path) -> set[str]:
    """The third-party top-level modules a file imports (at any depth, TYPE_CHECKING too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name.partition(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.partition(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in PACKAGES}


def owner(path: Path) -> str | None:
    """The platform whose folder holds the file, None for the core and the console."""
    parts = path.relative_to(ROOT).parts
    return parts[1] if parts[0] == "adapters" and parts[1] in PLATFORMS else None


def test_every_import_is_declared_and_platform_sdks_only_in_their_extra() -> None:
    dists = packages_distributions()
    wrong = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            platform = owner(path)
            allowed = CORE | (EXTRAS[platform] if platform else set())
            for module in sorted(imports(path)):
                names = {_norm(d) for d in dists.get(module, [])}
                if not names & allowed:
                    where = f"dealbot[{platform}]" if platform else "the core dependencies"
                    wrong.append(f"{path.relative_to(ROOT)}: {module} ({names}) not in {where}")
    assert wrong == []


def test_every_declared_dependency_is_imported() -> None:
    dists = packages_distributions()
    used: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            used |= {_norm(d) for m in imports(path) for d in dists.get(m, [])}
    platform_sdks = set().union(*(EXTRAS[p] for p in PLATFORMS))
    assert sorted(CORE - used - NOT_IMPORTED) == []
    assert sorted(platform_sdks - used) == []
    assert EXTRAS["all"] == {"dealbot"} and "slack-bolt" in EXTRAS["bench"]
    all_extras = re.search(r"\[(.*)\]", PROJECT["optional-dependencies"]["all"][0])
    assert all_extras and sorted(all_extras[1].split(",")) == sorted(PLATFORMS)


def run(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if not k.startswith("DEALBOT_")} | env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


# (not defusedxml: openpyxl uses it when it is installed)
SDKS = ("slack_sdk", "slack_bolt", "lark_oapi", "requests", "aibot", "cryptography")


def test_the_console_loads_no_platform_sdk(tmp_path: Path) -> None:
    code = (
        "import sys, io\n"
        "from click.testing import CliRunner\n"
        "from adapters.cli.main import main\n"
        "r = CliRunner().invoke(main, ['console', '--db', 'c.db'], input='/log Acme call hi\\n')\n"
        "assert r.exit_code == 0, r.output\n"
        "assert 'Acme' in r.output, r.output\n"
        f"print(sorted(m for m in sys.modules if m.partition('.')[0] in {SDKS!r}"
        " or m.startswith(('adapters.slack', 'adapters.feishu', 'adapters.wecom'))"
        " and not m.endswith('.config') and m.count('.') > 1))\n"
    )
    done = run(code, tmp_path)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


FEISHU = {
    "DEALBOT_FEISHU_APP_ID": "cli_1",
    "DEALBOT_FEISHU_APP_SECRET": "s",
    "DEALBOT_FEISHU_MODE": "websocket",
}
PIP_LINE = (
    "[feishu] is configured, but its SDK is not installed (lark_oapi missing): "
    "pip install 'dealbot[feishu]'"
)


@pytest.mark.parametrize("command", ["check-config", "serve", "tick"])
def test_a_configured_platform_without_its_extra_is_named_with_the_pip_line(
    tmp_path: Path, command: str
) -> None:
    args = [command] + (["--at", "2027-03-01T09:00"] if command == "tick" else [])
    code = (
        "import sys\n"
        "sys.modules['lark_oapi'] = None  # as if dealbot[feishu] were not installed\n"
        "from adapters.cli.main import main\n"
        f"main({args!r})\n"
    )
    done = run(code, tmp_path, **FEISHU)
    assert done.returncode == 1
    assert PIP_LINE in (done.stdout + done.stderr).splitlines(), done.stdout + done.stderr
    assert not (tmp_path / "dealbot.db").exists()  # refused before anything ran


@pytest.mark.skipif(
    not os.environ.get("DEALBOT_TEST_FRESH_VENV"), reason="set DEALBOT_TEST_FRESH_VENV=1 (slow)"
)
def test_a_fresh_venv_with_the_slack_extra_serves_slack(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, f"{ROOT}[slack]"], check=True, timeout=900)
    listed = (
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.lower()
        .replace("_", "-")
    )
    for absent in ("lark-oapi", "wecom-aibot-python-sdk", "defusedxml", "slack-bolt"):
        assert f"{absent}==" not in listed
    assert "slack-sdk==" in listed
    from tests.test_config_env import serve_slack_from_the_environment

    serve_slack_from_the_environment(tmp_path, venv / "bin" / "dealbot")
