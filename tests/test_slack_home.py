"""The App Home tab, end to end through `dealbot serve` and the local fake Slack API: a signed
app_home_opened publishes the person's page (views.publish) with their open tasks and Done
buttons; Done pressed on the page finishes the task and publishes the page again."""

from __future__ import annotations

import json
from typing import Any

import yaml

from adapters.slack import manifest
from tests.fakes import slack_signing as signing
from tests.test_slack import SECRET, SlackRig, rig, wait_for  # noqa: F401 - rig: the fixture

TEAM, USER = "T-home", "U-HOME"


def _pages(rig: SlackRig) -> list[dict[str, Any]]:  # noqa: F811
    return [p["view"] for p in rig.fake.published if p.get("user_id") == USER]


def _buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def _open_home(rig: SlackRig, event_id: str) -> None:  # noqa: F811
    event = {"type": "app_home_opened", "user": USER, "channel": "D-HOME", "tab": "home"}
    body = signing.event_body(
        {**event, "event_ts": "1700000200.000100"}, team=TEAM, event_id=event_id
    )
    assert rig.post(body, signing.headers(body, SECRET))[0] == 200


def _press_on_home(rig: SlackRig, value: str) -> None:  # noqa: F811
    payload = {
        "type": "block_actions",
        "user": {"id": USER, "team_id": TEAM},
        "team": {"id": TEAM},
        "container": {"type": "view", "view_id": "VHOME1"},
        "view": {"id": "VHOME1", "type": "home", "blocks": []},
        "trigger_id": "trig-home-1",
        "actions": [
            {
                "type": "button",
                "action_id": value,
                "value": value,
                "block_id": "b1",
                "action_ts": "1700000300.000100",
            }
        ],
    }
    body = signing.action_body(payload)
    headers = signing.headers(body, SECRET, content_type="application/x-www-form-urlencoded")
    assert rig.post(body, headers)[0] == 200


def test_the_manifest_enables_the_home_tab_and_its_event() -> None:
    read = yaml.safe_load(manifest.render())
    assert read["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in read["settings"]["event_subscriptions"]["bot_events"]


def test_home_shows_my_tasks_and_done_on_it_refreshes_it(rig: SlackRig) -> None:  # noqa: F811
    rig.say("/task Acme send the signed NDA tomorrow", team=TEAM, user=USER)
    _open_home(rig, "EvHome1")
    assert wait_for(lambda: bool(_pages(rig)))
    page = _pages(rig)[0]
    assert page["type"] == "home"
    assert "send the signed NDA" in json.dumps(page, ensure_ascii=False)
    ((task_id,),) = rig.rows("select id from tasks where text like '%signed NDA%'")
    done = [b for b in _buttons(page) if f"T{task_id}" in b["text"]["text"]]
    assert len(done) == 1, page
    _press_on_home(rig, done[0]["value"])
    assert wait_for(lambda: len(_pages(rig)) >= 2)
    assert rig.rows("select status from tasks where text like '%signed NDA%'") == [("done",)]
    assert "send the signed NDA" not in json.dumps(_pages(rig)[-1], ensure_ascii=False)
    assert not [p for p in rig.fake.posted if p.get("channel") in (USER, "VHOME1")]


def test_a_page_survives_the_outbox_row() -> None:
    from bot.delivery import message_from_dict, message_to_dict
    from bot.outcome import Button, Card, Message

    card = Card(key="tasks:1", title="Open tasks", buttons=(Button(id="done:1", label="Done"),))
    message = Message(page=(card, Card(key="home:pipeline:0", title="Pipeline")))
    assert message_from_dict(json.loads(json.dumps(message_to_dict(message)))) == message
    assert "page" not in message_to_dict(Message(text="hi"))  # rows as before
