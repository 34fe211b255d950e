"""The layout's rules, checked: imports go one way without cycles, modules stay small, and the
code stays lint-clean."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "adapters", "storage", "messages")
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "lark_oapi", "wechatpy")
MAX_LINES = 450
# tables of words, not logic: long by nature, and read a row at a time
LONG_ALLOWED = {Path("bot/parse/date_words.py")}
# the composition root (adapters/cli/) opens and migrates the store before it hands the sessions
# to the core (storage.db)
STORE_OPENERS = {"storage.db"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, Path]:
    """Every module of the project, by its dotted name."""
    return {
        module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))
    }


def _within(name: str, modules: dict[str, Path]) -> str | None:
    """The deepest project module an import of `name` runs (None: not the project's)."""
    parts = name.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) if parts else None


def _imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules `name` (at `path`) imports, at any depth of its code, relative ones resolved;
    `from x import y` is x.y when y is a module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, *([base] if base else [])])
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names
            ]
        else:
            continue
        found |= {m for t in targets if t.split(".")[0] in PACKAGES and (m := _within(t, modules))}
    return found - {name}


def _packages_run(name: str, found: set[str], modules: dict[str, Path]) -> set[str]:
    """Importing `a.b.c` runs `a/__init__.py` and `a/b/__init__.py` first: those count too,
    but for the packages `name` itself lives in (their __init__ already ran to reach it)."""
    parts = name.split(".")
    own = {".".join(parts[:n]) for n in range(1, len(parts) + 1)}
    return {
        package
        for m in found
        for n in range(1, len(m.split(".")))
        if (package := ".".join(m.split(".")[:n])) in modules and package not in own
    }


def graph() -> dict[str, set[str]]:
    modules = sources()
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def top(name: str) -> str:
    return name.split(".")[0]


def test_the_graph_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    modules = {"bot": Path(), "bot.a": Path(), "bot.b": Path(), "bot.c": Path(), "adapters": Path()}
    source = tmp_path / "a.py"
    source.write_text(
        "def f():\n    from bot import b\n    from . import c\n    import adapters.x\n"
        "from sqlalchemy import select\n",
        encoding="utf-8",
    )
    assert _imported("bot.a", source, modules) == {"bot.b", "bot.c", "adapters"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    modules = sources()
    edges = {name: m | _packages_run(name, m, modules) for name, m in graph().items()}
    assert cycles(edges) == []


def test_a_package_that_imports_what_imports_it_is_a_cycle() -> None:
    """A lazy import inside a package's __init__ of a module that itself imports one of that
    package's modules is a cycle (importing `p.m` runs `p/__init__.py`)."""
    edges = {
        "p": {"q"},  # p/__init__.py imports q inside a function
        "q": {"p.m"},
        "p.m": set(),
    }
    modules = {name: Path(f"{name}.py") for name in edges}
    edges["q"] |= _packages_run("q", edges["q"], modules)
    assert cycles(edges) == [["p", "q"]]


def test_storage_knows_nothing_of_chat() -> None:
    for name, imported in graph().items():
        if top(name) == "storage":
            assert not {top(m) for m in imported} & {"bot", "adapters"}, name


def test_bot_imports_no_adapter_and_no_sdk() -> None:
    for name, imported in graph().items():
        if top(name) == "bot":
            assert "adapters" not in {top(m) for m in imported}, name
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                assert not {top(n) for n in names} & set(PLATFORM_SDKS), path


def test_adapters_reach_the_store_only_through_the_core() -> None:
    """Platforms never touch the store; only the wiring in adapters/cli/ does, as far as
    STORE_OPENERS says."""
    for name, imported in graph().items():
        if top(name) != "adapters":
            continue
        store = {m for m in imported if top(m) == "storage"}
        allowed = STORE_OPENERS if name.startswith("adapters.cli.") else set()
        assert store <= allowed, (name, store - allowed)


def test_modules_stay_small() -> None:
    too_long = {
        path.relative_to(ROOT): n
        for path in sources().values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and path.relative_to(ROOT) not in LONG_ALLOWED
    }
    assert too_long == {}


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
    bot/ (code, strings, comments)."""
    # as a part of a word too (a verb "slacked"), and by their Chinese names
    platform = re.compile(r"slack|feishu|\blark|wecom|飞书|企业微信|企微", re.IGNORECASE)
    for path in (ROOT / "bot").rglob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            assert not platform.search(line), f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
