"""Issue 20.2: a stage checklist's Tick button clicked end to end through `dealbot serve` on
Slack (signed requests, the real slack-bolt app, the fake Web API), the card updated in place
and the tick stored with who pressed it."""

from __future__ import annotations

import json

from tests.fakes import slack_signing as signing
from tests.test_slack import SECRET, SlackRig, rig, wait_for  # noqa: F401 (rig: the fixture)


def test_slack_a_checklist_tick_updates_the_card_in_place(rig: SlackRig) -> None:  # noqa: F811
    team = "T-check"
    rig.say("/deal Acme new license 120k", team=team)
    key, status, _ = rig.command("D1 stage negotiate", command="/deal", team=team)
    assert status == 200
    assert wait_for(lambda: len(rig.fake.responses.get(key, [])) >= 2)
    card = rig.fake.responses[key][1]
    assert card["blocks"][0]["text"]["text"] == "Checklist · D1 “license” (Acme) — negotiate"
    actions = next(b for b in card["blocks"] if b["type"] == "actions")
    tick = actions["elements"][1]
    assert tick["value"] == "check.tick:1:4:2" and tick["text"]["text"] == "Tick 2"
    ts = "1700000000.000700"
    payload = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "team": {"id": team},
        "container": {"type": "message", "channel_id": "C1", "message_ts": ts},
        "channel": {"id": "C1"},
        "response_url": f"{rig.fake.base}/response/check1",
        "trigger_id": "check1",
        "actions": [
            {
                "type": "button",
                "action_id": tick["action_id"],
                "value": tick["value"],
                "action_ts": "1700000001.0001",
                "block_id": actions["block_id"],
            }
        ],
    }
    body = signing.action_body(payload)
    headers = signing.headers(body, SECRET, content_type="application/x-www-form-urlencoded")
    assert rig.post(body, headers)[0] == 200
    assert wait_for(lambda: any(u["ts"] == ts for u in rig.fake.updates))
    update = next(u for u in rig.fake.updates if u["ts"] == ts)
    blocks = update["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    flat = str(blocks)
    assert "2. ☑ Payment terms — <@U1>" in flat  # who ticked it, as a Slack mention
    assert "check.tick:1:4:2" not in flat and "check.tick:1:4:3" in flat  # nothing left to tick
    assert "Done*\\n1 of 6" in flat or "1 of 6; required still open: 1, 3, 4, 5, 6" in flat
    rows = rig.rows("SELECT stage, item, undone_at FROM checklist_ticks")
    assert rows == [("negotiate", "payment_terms", None)]
