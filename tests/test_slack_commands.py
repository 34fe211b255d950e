"""How the slash commands are named on Slack ([slack] command_prefix, one_command): the
manifest registers them so, and a signed command under its registered name reaches the core
as the command it is, through `dealbot serve` against the local fake Slack API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from adapters.slack import manifest
from adapters.slack.config import CommandNames, SlackSection
from bot.commands import COMMANDS
from tests.fakes.slack_api import FakeSlack
from tests.test_serve import serving
from tests.test_slack import SECRET, SlackRig, text_of


def slash(names: CommandNames) -> list[str]:
    return [
        c["command"]
        for c in yaml.safe_load(manifest.render(names=names))["features"]["slash_commands"]
    ]


def test_a_prefix_names_every_command_and_leaves_the_fallback() -> None:
    assert slash(CommandNames(command_prefix="dl-")) == [f"/dl-{c.en[0]}" for c in COMMANDS] + [
        "/dealbot"
    ]


def test_one_command_registers_dealbot_alone() -> None:
    assert slash(CommandNames(one_command=True)) == ["/dealbot"]


def test_the_manifest_command_reads_the_config_then_the_environment_then_its_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "dealbot.toml"  # no tokens yet: the app is made from this manifest
    config.write_text('[slack]\ncommand_prefix = "dl-"\n')
    assert manifest.main(["--config", str(config)], env={}) == 0
    assert "- command: /dl-log\n" in capsys.readouterr().out
    manifest.main(["--config", str(config)], env={"DEALBOT_SLACK_ONE_COMMAND": "true"})
    assert "/dl-log" not in capsys.readouterr().out
    manifest.main(["--config", str(config), "--command-prefix", "crm_"], env={})
    assert "- command: /crm_deal\n" in capsys.readouterr().out
    config.write_text('[slack]\ncommand_prefix = "DL "\n')
    with pytest.raises(SystemExit, match="command_prefix"):
        manifest.main(["--config", str(config)], env={})


@pytest.mark.parametrize("bad", ["DL-", "dl log", "-dl", "x" * 30])
def test_a_prefix_slack_cannot_register_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="command_prefix"):
        SlackSection(bot_token="x", signing_secret="y", command_prefix=bad)  # type: ignore[arg-type]


def test_the_core_sees_the_command_without_its_prefix() -> None:
    names = CommandNames(command_prefix="dl-")
    assert names.core_command("/dl-log") == "/log"
    assert names.core_command("/dealbot") == "/dealbot"
    assert names.core_command("/dl-") == "/dl-"  # nothing after it: not one of ours
    assert CommandNames().core_command("/log") == "/log"


@pytest.fixture(scope="module")
def prefixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackRig]:
    tmp = tmp_path_factory.mktemp("slack-prefix")
    with FakeSlack() as fake:
        tables = (
            f'[slack]\nbot_token = "xoxb-test"\nsigning_secret = "{SECRET}"\n'
            f'api_base_url = "{fake.url}"\ncommand_prefix = "dl-"\n'
        )
        with serving(tmp, tables) as (port, db, _):
            yield SlackRig(fake, port, db)


def test_a_prefixed_slash_command_is_answered_as_the_command(prefixed: SlackRig) -> None:
    reply = prefixed.say("/dl-log Acme call Discussed pricing. next: send quote by Tue", team="T-p")
    assert reply["response_type"] == "in_channel"
    assert "logged a call with Acme" in text_of(reply)
    assert prefixed.rows("select count(*) from tasks") == [(1,)]  # its next step, as /log's
    assert "New deal D" in text_of(prefixed.say("/dl-deal Acme new pilot 20k", team="T-p"))


def test_the_fallback_works_beside_the_prefix(prefixed: SlackRig) -> None:
    reply = prefixed.say("/dealbot log Beta visit Met the CTO", team="T-p")
    assert "logged a visit with Beta" in text_of(reply)
