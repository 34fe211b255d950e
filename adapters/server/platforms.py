"""The registry, instantiated: the platforms this configuration turns on."""

from __future__ import annotations

from adapters.platform import Platform, Services
from adapters.registry import REGISTRY
from bot.config import Config


def build(config: Config, services: Services) -> dict[str, Platform]:
    """The console (always) and every configured platform. A configured platform that cannot
    be built is an error here, at start, never a silently missing platform."""
    built: dict[str, Platform] = {}
    for entry in REGISTRY:
        section = config.section(entry.name) if entry.config else None
        if entry.config is not None and section is None:
            continue
        built[entry.name] = entry.platform_class()(config=section, services=services)
    return built


def unavailable(config: Config) -> list[str]:
    """One line per configured platform that this dealbot cannot run (for check-config)."""
    lines = []
    for entry in REGISTRY:
        if entry.config and config.section(entry.name) is not None and entry.platform is None:
            lines.append(f"{entry.name}: configured, but this version of dealbot cannot connect "
                         f"to {entry.name} yet; remove the [{entry.name}] table")  # fmt: skip
    return lines
