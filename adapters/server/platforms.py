"""The registry, instantiated: the platforms this configuration turns on."""

from __future__ import annotations

from adapters.platform import Platform, Services
from adapters.registry import REGISTRY
from bot.config import Config


def build(config: Config, services: Services) -> dict[str, Platform]:
    """The console (always) and every configured platform."""
    built: dict[str, Platform] = {}
    for entry in REGISTRY:
        section = config.section(entry.name) if entry.config else None
        if entry.config is not None and section is None:
            continue
        built[entry.name] = entry.platform_class()(config=section, services=services)
    return built

