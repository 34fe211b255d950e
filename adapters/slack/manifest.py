"""The Slack app manifest, generated from the list of commands (bot/commands/__init__.py):
one slash command per command, named by its English name, with the summary and usage hint of
its English template (messages/en/<key>.j2), in the list's order; then the `/dealbot
<command> …` fallback (messages/en/help.j2). The [slack] table names them
(adapters/slack/config.py): `command_prefix = "dl-"` registers /dl-log, /dl-deal …, and
`one_command = true` registers /dealbot alone. Print the manifest for a configuration with

    python -m adapters.slack.manifest [--config FILE] [--command-prefix dl-] [--one-command]

(the options win over the file, the environment's DEALBOT_SLACK_COMMAND_PREFIX and
DEALBOT_SLACK_ONE_COMMAND over both, as for `dealbot serve`). The committed file is the default
configuration's, regenerated with

    python -m adapters.slack.manifest > adapters/slack/manifest.yml

and tests/test_manifest.py fails while the committed file differs from what this prints."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from adapters.slack import shortcut
from adapters.slack.config import CommandNames
from bot.commands import COMMANDS
from bot.config_types import read_toml
from bot.i18n import Words

URL = "https://dealbot.example.com/slack/events"

HEAD = """\
# Slack app manifest for dealbot. Create the app in one paste:
#   https://api.slack.com/apps → Create New App → From a manifest → paste this file.
# Replace https://dealbot.example.com with the public address of `dealbot serve`
# (or delete the request URLs and keep socket_mode_enabled: true — see README "Connect to Slack").
# Generated from the commands by `python -m adapters.slack.manifest > adapters/slack/manifest.yml`:
# a command's slash entry comes from its declaration and its English template, not from here.
display_information:
  name: dealbot
  description: Sales-process chat-ops — log touches, track deals, follow-ups and confirmations.
  background_color: "#1d3557"
features:
  bot_user:
    display_name: dealbot
    always_online: true
  app_home:
    messages_tab_enabled: true
    messages_tab_read_only_enabled: false
    home_tab_enabled: true  # each person's page: open tasks, pipeline, approvals for them
"""

TAIL = """\
oauth_config:
  scopes:
    bot:
      - commands            # the slash commands above
      - chat:write          # replies, reminders, digests, card updates
      - app_mentions:read   # "@dealbot log …" in channels
      - im:history          # direct messages to dealbot
      - im:read
      - im:write
      - channels:history    # customer questions in linked (Slack Connect) channels
      - groups:history      # … and in linked private channels
      - users:read          # names, time zones and languages of the people it serves
      - files:write         # exports and charts, uploaded into a DM or the channel
      - files:read          # spreadsheets shared with it for /import
settings:
  event_subscriptions:
    request_url: https://dealbot.example.com/slack/events
    bot_events:
      - app_home_opened     # the Home tab opened: its page published again
      - app_mention
      - message.im
      - message.channels
      - message.groups
  interactivity:
    is_enabled: true
    request_url: https://dealbot.example.com/slack/events
  org_deploy_enabled: false
  socket_mode_enabled: false
  token_rotation_enabled: false
"""

# a YAML plain scalar may not start with an indicator, nor hold ": " or " #"
_NEEDS_QUOTES = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`\s]|: | #|\s$|^$")


def render(words: Words | None = None, names: CommandNames | None = None) -> str:
    words = words or Words()
    names = names or CommandNames()
    said = [
        (f"{names.command_prefix}{c.en[0]}", f"{c.key}.summary", f"{c.key}.usage")
        for c in COMMANDS
        if not names.one_command
    ]
    said.append(("dealbot", "help.fallback_summary", "help.fallback_usage"))
    out = [
        HEAD,
        (
            "  shortcuts:  # adapters/slack/shortcut.py\n"
            f"    - name: {words('en', 'shortcut.title')}\n"
            "      type: message\n"
            f"      callback_id: {shortcut.CALLBACK}\n"
            f"      description: {words('en', 'shortcut.description')}\n"
            "  slash_commands:\n"
        ),
    ]
    for name, summary, usage in said:
        description = words("en", summary)
        if _NEEDS_QUOTES.search(description):
            description = json.dumps(description, ensure_ascii=False)
        out.append(
            f"    - command: /{name}\n"
            f"      url: {URL}\n"
            f"      description: {description}\n"
            f"      usage_hint: {json.dumps(words('en', usage), ensure_ascii=False)}\n"
            "      should_escape: true\n"
        )
    out.append(TAIL)
    return "".join(out)


KEYS = ("command_prefix", "one_command")


def names_from(
    path: str | None,
    env: Mapping[str, str],
    prefix: str | None = None,
    one: bool = False,
) -> CommandNames:
    """The naming keys of the [slack] table at `path` (only those: a manifest is printed
    before the app, and its tokens, exist), then the environment, then the options."""
    raw: dict[str, object] = {}
    if path is not None:
        table, problems = read_toml(Path(path))
        if problems:
            raise SystemExit("\n".join(problems))
        slack = table.get("slack")
        if isinstance(slack, dict):
            raw = {k: slack[k] for k in KEYS if k in slack}
    for key in KEYS:
        value = env.get(f"DEALBOT_SLACK_{key.upper()}")
        if value is not None:
            raw[key] = value
    if prefix is not None:
        raw["command_prefix"] = prefix
    if one:
        raw["one_command"] = True
    try:
        return CommandNames.model_validate(raw)
    except ValueError as e:
        raise SystemExit(f"[slack] {e}") from None


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m adapters.slack.manifest", description=__doc__)
    ap.add_argument("--config", help="the dealbot TOML file whose [slack] table names commands")
    ap.add_argument("--command-prefix", help='register /<prefix>log …, e.g. "dl-"')
    ap.add_argument("--one-command", action="store_true", help="register /dealbot alone")
    args = ap.parse_args(argv)
    names = names_from(
        args.config, os.environ if env is None else env, args.command_prefix, args.one_command
    )
    sys.stdout.write(render(names=names))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
