"""The [slack] table of the configuration (config.example.toml documents each key)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from bot.commands import COMMANDS
from bot.config_types import ApiBase, Secret, Section, problem

# Slack takes a slash command's name in lowercase, without spaces, up to 32 characters
LONGEST = max(len(c.en[0]) for c in COMMANDS)
MAX_NAME = 32


def _prefix(value: str) -> str:
    if value and not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
        raise problem(f"must be lowercase letters, digits, '-' or '_' (like 'dl-'), not {value!r}")
    if len(value) + LONGEST > MAX_NAME:
        raise problem(
            f"is too long: Slack takes a command name of at most {MAX_NAME} characters, "
            f"and the longest command is {LONGEST}"
        )
    return value


class CommandNames(Section):
    """How the slash commands are registered: what the manifest says and the edge reads back."""

    # "dl-" registers /dl-log, /dl-deal … (the manifest printed by
    # `python -m adapters.slack.manifest --config FILE`), read back as /log, /deal …
    command_prefix: Annotated[str, AfterValidator(_prefix)] = ""
    # true: only /dealbot is registered, and every command is typed after it (`/dealbot log …`)
    one_command: bool = False

    def core_command(self, name: str) -> str:
        """The command as the core knows it: `/dl-log` → `/log`; `/dealbot` and anything
        without the prefix stay as they are."""
        prefix = f"/{self.command_prefix}"
        if self.command_prefix and name.startswith(prefix) and len(name) > len(prefix):
            return "/" + name[len(prefix) :]
        return name


class SlackSection(CommandNames):
    bot_token: Secret
    signing_secret: Secret
    app_token: Secret | None = None  # set: Socket Mode instead of HTTP events
    api_base_url: ApiBase = "https://slack.com/api/"
