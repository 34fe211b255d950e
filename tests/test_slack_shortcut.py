"""The message shortcut "Log to a customer", end to end: a signed message_action through
`dealbot serve` opens the modal with views.open on the local fake Slack API, and the signed
view_submission logs the message's words verbatim as a touch, answered in the channel."""

from __future__ import annotations

import json
from typing import Any

import yaml

from adapters.slack import manifest
from tests.fakes import slack_signing as signing
from tests.test_slack import SECRET, SlackRig, rig, wait_for  # noqa: F401 - rig: the fixture

WORDS = "Spoke with <@U7> at Acme Corp & co: they want 40 seats, pilot in Q1"


def _send(rig: SlackRig, payload: dict[str, Any]) -> int:  # noqa: F811
    body = signing.action_body(payload)
    status, took = rig.post(
        body, signing.headers(body, SECRET, content_type="application/x-www-form-urlencoded")
    )
    assert took < 3.0
    return status


def _shortcut(rig: SlackRig, trigger: str, *, team: str = "T-sc") -> int:  # noqa: F811
    return _send(
        rig,
        {
            "type": "message_action",
            "callback_id": "log_to_customer",
            "trigger_id": trigger,
            "action_ts": "1700000100.000100",
            "response_url": f"{rig.fake.base}/response/{trigger}",
            "team": {"id": team, "domain": "sales"},
            "channel": {"id": "C-SC", "name": "sales"},
            "user": {"id": "U-SC", "name": "sam", "team_id": team},
            "message_ts": "1700000050.000200",
            "message": {
                "type": "message",
                "user": "U-CUST",
                "ts": "1700000050.000200",
                "text": WORDS,
            },
        },
    )


def _opened(rig: SlackRig, trigger: str) -> dict[str, Any]:  # noqa: F811
    assert wait_for(lambda: any(o["trigger_id"] == trigger for o in rig.fake.opened))
    return next(o for o in rig.fake.opened if o["trigger_id"] == trigger)["view"]


def _submit(rig: SlackRig, view: dict[str, Any], customer: str, kind: str, trigger: str) -> int:  # noqa: F811
    return _send(
        rig,
        {
            "type": "view_submission",
            "trigger_id": trigger,
            "team": {"id": "T-sc", "domain": "sales"},
            "user": {"id": "U-SC", "name": "sam", "team_id": "T-sc"},
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": view["callback_id"],
                "private_metadata": view["private_metadata"],
                "hash": "1700000101.abc",
                "state": {
                    "values": {
                        "customer": {
                            "customer_name": {"type": "plain_text_input", "value": customer}
                        },
                        "kind": {
                            "touch_kind": {
                                "type": "static_select",
                                "selected_option": {
                                    "text": {"type": "plain_text", "text": kind.title()},
                                    "value": kind,
                                },
                            }
                        },
                    }
                },
            },
            "response_urls": [],
        },
    )


def test_the_manifest_declares_the_message_shortcut() -> None:
    declared = yaml.safe_load(manifest.render())["features"]["shortcuts"]
    assert {"type": "message", "callback_id": "log_to_customer"}.items() <= declared[0].items()


def test_a_message_is_logged_to_a_customer_through_the_modal(rig: SlackRig) -> None:  # noqa: F811
    assert _shortcut(rig, "trig-sc-1") == 200
    view = _opened(rig, "trig-sc-1")
    assert view["type"] == "modal" and view["callback_id"] == "log_to_customer"
    kept = json.loads(view["private_metadata"])
    assert kept["c"] == "C-SC" and kept["t"] == WORDS.replace("<@U7>", "@U7")
    assert any(
        WORDS.replace("<@U7>", "@U7") in json.dumps(b, ensure_ascii=False) for b in view["blocks"]
    )
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["customer"]["type"] == "plain_text_input"
    kinds = [o["value"] for o in inputs["kind"]["options"]]
    assert kinds[:4] == ["call", "visit", "meeting", "email"]
    assert inputs["kind"]["options"][0]["text"]["text"] == "Call"  # en-US user
    assert rig.rows("select count(*) from activities where text like '%40 seats%'") == [(0,)]

    assert _submit(rig, view, "Acme Corp", "visit", "trig-sc-2") == 200
    assert wait_for(
        lambda: rig.rows("select count(*) from activities where text like '%40 seats%'") == [(1,)]
    )
    ((kind, notes, customer),) = rig.rows(
        "select a.type, a.text, c.name from activities a join customers c"
        " on c.id = a.customer_id where a.text like '%40 seats%'"
    )
    assert (kind, customer) == ("visit", "Acme Corp")
    assert notes == WORDS.replace("<@U7>", "@U7")  # the message's words, verbatim
    assert wait_for(
        lambda: any(
            p.get("channel") == "C-SC" and "logged a visit with Acme Corp" in p.get("text", "")
            for p in rig.fake.posted
        )
    )


def test_the_modal_speaks_chinese_and_a_name_with_spaces_is_quoted() -> None:
    from adapters.slack import edge, shortcut
    from bot.i18n import Words

    words = Words()
    body = {"channel": {"id": "C1"}, "message": {"ts": "1.2", "text": "报价 &lt;含税&gt;"}}
    view = shortcut.modal(body, lambda key, **p: words("zh_CN", f"shortcut.{key}", **p))
    assert view["title"]["text"] == "记录到客户"
    assert json.loads(view["private_metadata"])["t"] == "报价 <含税>"
    options = next(b for b in view["blocks"] if b.get("block_id") == "kind")["element"]["options"]
    assert options[0]["text"]["text"] == "电话"
    assert shortcut.quote(" Acme  Corp ") == '"Acme Corp"' and shortcut.quote("华为") == "华为"
    other = {"type": "message_action", "callback_id": "someone_elses", "trigger_id": "t"}
    assert edge.classify("action", other).step is edge.Step.IGNORE
