"""Every platform dealbot knows, in one list. `serve`, `tick` and `check-config` loop over it.

Entries name their modules as strings and import them only when asked, so that `dealbot
--help` loads no SDK, and a platform's SDK is imported only when that platform is configured.
Adding a platform = its folder (adapters/<name>/: config.py, platform.py, …) + one line here.
"""

from __future__ import annotations

import importlib
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

    def section(self) -> type[Section] | None:
        return _load(self.config) if self.config else None

    def platform_class(self) -> type[Platform]:
        return _load(self.platform)


REGISTRY: tuple[Entry, ...] = (
    Entry("console", None, "adapters.console.platform:ConsolePlatform"),
    Entry("slack", "adapters.slack.config:SlackSection", "adapters.slack.platform:SlackPlatform"),
    Entry(
        "feishu", "adapters.feishu.config:FeishuSection", "adapters.feishu.platform:FeishuPlatform"
    ),
    Entry("wecom", "adapters.wecom.config:WecomSection", "adapters.wecom.platform:WecomPlatform"),
)


def sections() -> dict[str, type[Section]]:
    """Each platform's config table, for bot.config.load_config."""
    return {e.name: s for e in REGISTRY if (s := e.section()) is not None}


def entry(name: str) -> Entry:
    return next(e for e in REGISTRY if e.name == name)


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
