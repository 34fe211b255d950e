"""Every platform dealbot knows, in one list. `serve`, `tick` and `check-config` loop over it.

Entries name their modules as strings and import them only when asked, so that `dealbot
--help` loads no SDK, and a platform's SDK is imported only when that platform is configured.
Adding a platform = its folder (adapters/<name>/: config.py, platform.py, …) + one line here.

Each platform's SDK is an extra of the package (pyproject.toml: dealbot[slack], [feishu],
[wecom], or [all]); `not_installed` names a configured platform whose extra is missing, with
the pip line that fixes it, for `check-config`, `serve` and `tick`.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.platform import Platform
    from bot.config_types import Section


@dataclass(frozen=True)
class Entry:
    name: str
    config: str | None  # "module:Class" of its config table; None: always on (the console)
    platform: str  # "module:Class" of its Platform
    extra: str | None = None  # its pip extra: dealbot[<extra>]
    needs: tuple[str, ...] = ()  # the modules that extra installs (checked, not imported)

    def section(self) -> type[Section] | None:
        return _load(self.config) if self.config else None

    def platform_class(self) -> type[Platform]:
        return _load(self.platform)


REGISTRY: tuple[Entry, ...] = (
    Entry("console", None, "adapters.console.platform:ConsolePlatform"),
    Entry(
        "slack",
        "adapters.slack.config:SlackSection",
        "adapters.slack.platform:SlackPlatform",
        extra="slack",
        needs=("slack_sdk",),
    ),
    Entry(
        "feishu",
        "adapters.feishu.config:FeishuSection",
        "adapters.feishu.platform:FeishuPlatform",
        extra="feishu",
        needs=("lark_oapi", "requests"),
    ),
    Entry(
        "wecom",
        "adapters.wecom.config:WecomSection",
        "adapters.wecom.platform:WecomPlatform",
        extra="wecom",
        needs=("cryptography", "defusedxml", "aibot"),
    ),
)


def sections() -> dict[str, type[Section]]:
    """Each platform's config table, for bot.config.load_config."""
    return {e.name: s for e in REGISTRY if (s := e.section()) is not None}


def not_installed(configured: Iterable[str]) -> list[str]:
    """A line for each configured platform whose SDK is missing, with the pip line."""
    lines = []
    for e in REGISTRY:
        absent = [m for m in e.needs if e.name in configured and not _installed(m)]
        if absent:
            lines.append(
                f"[{e.name}] is configured, but its SDK is not installed ({', '.join(absent)} "
                f"missing): pip install 'dealbot[{e.extra}]'"
            )
    return lines


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def entry(name: str) -> Entry:
    return next(e for e in REGISTRY if e.name == name)


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
