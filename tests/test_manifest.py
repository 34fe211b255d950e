"""The Slack app manifest is generated from the list of commands; the committed file must be
exactly what the generator prints."""

from __future__ import annotations

from pathlib import Path

import yaml

from adapters.slack import manifest
from bot.commands import COMMANDS

COMMITTED = Path(manifest.__file__).with_name("manifest.yml")


def test_the_committed_manifest_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == manifest.render(), (
        "regenerate it: python -m adapters.slack.manifest > adapters/slack/manifest.yml"
    )


def test_every_command_is_a_slash_command_in_the_order_of_the_list() -> None:
    slash = yaml.safe_load(manifest.render())["features"]["slash_commands"]
    assert [c["command"] for c in slash] == [f"/{c.en[0]}" for c in COMMANDS] + ["/dealbot"]
    assert all(c["description"] and c["should_escape"] for c in slash)
