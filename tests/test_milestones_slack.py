"""A milestone's reminder card on Slack, end to end: `/milestone` typed through `dealbot serve`,
the reminder sent by `dealbot tick` to the local fake Slack Web API, and its Done pressed with a
real signed request: the card is updated in place with chat.update."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.test_serve import DEALBOT, free_port, start, stop, wait_healthy
from tests.test_slack import SECRET, SlackRig, _click, text_of, wait_for


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SlackRig, Path]]:
    tmp = tmp_path_factory.mktemp("slack-milestones")
    with FakeSlack(retry_after=1) as fake:
        port = free_port()
        db = tmp / "slack.db"
        config = tmp / "slack.toml"
        config.write_text(f"""
[database]
url = "sqlite:///{db}"
[server]
port = {port}
[slack]
bot_token = "xoxb-test"
signing_secret = "{SECRET}"
api_base_url = "{fake.url}"
[outbox]
poll_seconds = 0.2
""")
        log = tmp / "serve.log"
        proc = start(config, log)
        try:
            wait_healthy(port, proc, log)
            yield SlackRig(fake, port, db), config
        finally:
            assert stop(proc) == 0, log.read_text()


def test_done_on_a_milestone_reminder_card_updates_it_with_chat_update(
    rig: tuple[SlackRig, Path],
) -> None:
    slack, config = rig
    slack.say("/deal Acme new Plant rollout", team="T-ms", user="UMS")
    # a date far ahead of any clock this runs on: the reminder comes only from the tick below
    said = text_of(
        slack.say("/milestone D1 go-live at plant 2 2030-01-08", team="T-ms", user="UMS")
    )
    assert "Milestone M1 on D1" in said and "go-live at plant 2" in said
    [(mid, status)] = slack.rows("SELECT id, status FROM milestones")
    assert status == "open"
    done = subprocess.run(
        [str(DEALBOT), "tick", "--at", "2030-01-08T09:00:00+00:00", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    value = f"milestone.done:{mid}:1"
    assert wait_for(lambda: any(value in str(p) for p in slack.fake.posted), 20)
    card = next(p for p in slack.fake.posted if value in str(p))
    assert card["channel"] == "UMS"  # to the owner, directly
    assert "Milestone due: M1 go-live at plant 2" in str(card)
    ts = "1700000000.000901"  # where Slack shows that card
    _click(slack, team="T-ms", user="UMS", value=value, ts=ts, key="ms1")
    assert wait_for(lambda: any(u["ts"] == ts for u in slack.fake.updates))
    update = next(u for u in slack.fake.updates if u["ts"] == ts)
    blocks = update["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert "Delivered: M1 go-live at plant 2" in str(blocks) and "<@UMS>" in str(blocks)
    assert not [b for b in blocks if b["type"] == "actions"]  # Done gone
    assert slack.rows("SELECT status FROM milestones") == [("done",)]
    time.sleep(0.5)
    assert "ms1" not in slack.fake.responses  # the card says it: no message besides
