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


def no_platform_note(config: Config) -> str | None:
    """What serve warns of when no chat platform is configured: nothing can reach it."""
    if config.platforms:
        return None
    tables = [f"[{e.name}]" for e in REGISTRY if e.config is not None]
    listed = f"{', '.join(tables[:-1])} or {tables[-1]}" if len(tables) > 1 else tables[0]
    return (
        "no chat platform is configured, so nothing can reach this serve (it answers only its "
        f"health and metrics routes): add a {listed} table to the config, or set that "
        "platform's DEALBOT_<PLATFORM>_* variables. To try dealbot without a platform, run "
        "`dealbot console`"
    )
