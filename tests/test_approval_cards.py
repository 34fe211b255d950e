"""An approval card end to end through `dealbot serve`, on Slack, Feishu and WeCom against the
local fake platform APIs: the rep's request typed in chat, the card sent to the approver (their
manager), and its Approve pressed with a real signed (and, for WeCom, encrypted) callback: the
card is updated in place and the deal takes the approved quote."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes import feishu_signing as fsign
from tests.fakes import slack_signing as ssign
from tests.fakes.feishu_api import FakeFeishu
from tests.fakes.slack_api import FakeSlack
from tests.fakes.wecom_api import FakeWecom
from tests.kits import feishu as fkit
from tests.kits import wecom as wkit
from tests.test_feishu import FeishuRig, _walk, flat
from tests.test_feishu import wait_for as f_wait
from tests.test_serve import serving
from tests.test_slack import SECRET, SlackRig
from tests.test_slack import wait_for as s_wait
from tests.test_wecom import WecomRig
from tests.test_wecom import wait_for as w_wait


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackRig]:
    tmp = tmp_path_factory.mktemp("slack-approvals")
    with FakeSlack() as fake:
        fake.people["U7"] = {"id": "U7", "name": "bob", "tz": "UTC", "profile": {}}
        fake.people["U1"] = {"id": "U1", "name": "alice", "tz": "UTC", "profile": {}}
        tables = f'[slack]\nbot_token = "xoxb-test"\nsigning_secret = "{SECRET}"\n'
        with serving(tmp, tables + f'api_base_url = "{fake.url}"\n') as (port, db, _):
            yield SlackRig(fake, port, db)


def test_approve_on_slack_updates_the_approvers_card_in_place(slack: SlackRig) -> None:
    rig, team = slack, "T-appr"
    rig.say("/help", user="U7", team=team)  # bob first: the admin
    rig.say("/team east <@U7> <@U1>", user="U7", team=team)
    rig.say("/deal Acme new license 120k", user="U1", team=team)
    rig.say("/approval Acme quote 110k renewal", user="U1", team=team)
    assert s_wait(lambda: any("approval.approve:1" in str(p) for p in rig.fake.posted))
    card = next(p for p in rig.fake.posted if "approval.approve:1" in str(p))
    assert card["channel"] == "U7"  # bob's own chat with the app
    blocks = card["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    actions = next(b for b in blocks if b["type"] == "actions")
    approve = actions["elements"][0]
    assert approve["value"] == "approval.approve:1"
    ts = "1700000000.000300"  # the card as it sits in bob's chat
    payload = {
        "type": "block_actions",
        "user": {"id": "U7"},
        "team": {"id": team},
        "container": {"type": "message", "channel_id": "D7", "message_ts": ts},
        "channel": {"id": "D7"},
        "response_url": f"{rig.fake.base}/response/appr1",
        "trigger_id": "appr1",
        "actions": [
            {
                "type": "button",
                "action_id": approve["action_id"],
                "value": approve["value"],
                "action_ts": "1700000001.0001",
                "block_id": actions["block_id"],
            }
        ],
    }
    body = ssign.action_body(payload)
    headers = ssign.headers(body, SECRET, content_type="application/x-www-form-urlencoded")
    assert rig.post(body, headers)[0] == 200
    assert s_wait(lambda: any(u["ts"] == ts for u in rig.fake.updates))
    update = next(u for u in rig.fake.updates if u["ts"] == ts)
    shown = update["blocks"]
    shown = json.loads(shown) if isinstance(shown, str) else shown
    assert "approved by <@U7>" in str(shown)
    assert not [b for b in shown if b["type"] == "actions"]  # nothing left to press
    assert rig.rows("SELECT status, working_seconds IS NOT NULL FROM approvals") == [
        ("approved", 1)
    ]
    assert rig.rows("SELECT amount FROM deals") == [(110000,)]


@pytest.fixture(scope="module")
def feishu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeishuRig]:
    tmp = tmp_path_factory.mktemp("feishu-approvals")
    with FakeFeishu(app_id=fsign.APP_ID) as fake:
        for open_id, name in (("ou_wang", "王经理"), ("ou_alice", "小李")):
            fake.people[open_id] = {"open_id": open_id, "name": name, "time_zone": "Asia/Shanghai"}
        with serving(tmp, fkit.config(fake)) as (port, db, _):
            yield FeishuRig(fake, port, db)


def test_approve_on_feishu_patches_the_approvers_card(feishu: FeishuRig) -> None:
    rig, tenant = feishu, "tk_appr"
    rig.say("/帮助", tenant=tenant, user="ou_wang")  # 王经理 first: the admin
    rig.say(
        "/团队 华东 @王经理 @小李",
        tenant=tenant,
        user="ou_wang",
        people={"@王经理": "ou_wang", "@小李": "ou_alice"},
    )
    rig.say("/商机 华为 新建 私有化部署 30万", tenant=tenant)
    _, said = rig.say("/审批 华为 报价 28万 九折 客户签三年", tenant=tenant)
    assert "发起审批 A1" in said
    value = "approval.approve:1"
    assert f_wait(lambda: any(value in str(m["content"]) for m in rig.fake.sent))
    card = next(m for m in rig.fake.sent if value in str(m["content"]))
    assert card["receive_id"] == "ou_wang" and "理由：客户签三年" in flat(card)
    click = fsign.card_action(
        {"b": value},
        open_id="ou_wang",
        tenant_key=tenant,
        chat_id=card["chat_id"],
        message_id=card["message_id"],
    )
    assert rig.post(*fsign.signed(click))[0] == 200
    assert f_wait(lambda: any(p["message_id"] == card["message_id"] for p in rig.fake.patches))
    patch = next(p for p in rig.fake.patches if p["message_id"] == card["message_id"])
    assert "✓ 已同意" in flat(patch)
    assert not [
        e for e in _walk(patch["content"]) if isinstance(e, dict) and e.get("tag") == "button"
    ]
    assert rig.rows("SELECT status FROM approvals") == [("approved",)]
    assert rig.rows("SELECT amount, discount_percent FROM deals") == [(280000, 10)]


@pytest.fixture(scope="module")
def wecom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WecomRig]:
    tmp = tmp_path_factory.mktemp("wecom-approvals")
    with FakeWecom(corp_id=wkit.signing.CORP, agent_id=wkit.signing.AGENT) as fake:
        fake.people["wangjl"] = {"userid": "wangjl", "name": "王经理"}
        fake.people["lisi"] = {"userid": "lisi", "name": "小李"}
        with serving(tmp, wkit.config(fake)) as (port, db, _):
            yield WecomRig(fake, port, db)


def _press(rig: WecomRig, user: str, sent: dict[str, Any], key: str) -> None:
    click = wkit.signing.card_click_xml(
        key, task_id=sent["content"]["task_id"], user=user, response_code=sent["response_code"]
    )
    assert rig.app(click) == 200


def test_approve_on_wecom_updates_the_approvers_card(wecom: WecomRig) -> None:
    rig = wecom
    rig.say("/帮助", user="wangjl")  # 王经理 first: the admin
    rig.say("/帮助", user="lisi")
    rig.say("/团队 华东 @王经理 @小李", user="wangjl")
    rig.say("/商机 华为 新建 私有化部署 30万")
    rig.say("/审批 华为 八五折 老客户续约")
    assert w_wait(
        lambda: any(
            m["touser"] == "wangjl" and m["msgtype"] == "template_card" for m in rig.fake.sent
        )
    )
    card = next(
        m for m in rig.fake.sent if m["touser"] == "wangjl" and m["msgtype"] == "template_card"
    )
    keys = [b["key"] for b in card["content"]["button_list"]]
    assert keys == ["approval.approve:1", "approval.reject:1", "approval.ask:1"]
    before = len(rig.fake.sent)
    _press(rig, "wangjl", card, "approval.reject:1")  # Reject: answered with the typed form
    assert w_wait(lambda: any("/审批 A1 驳回 <理由>" in str(m) for m in rig.fake.sent[before:]))
    assert rig.rows("SELECT status FROM approvals") == [("pending",)]
    _press(rig, "wangjl", card, "approval.approve:1")
    code = card["response_code"]
    assert w_wait(lambda: any(u["response_code"] == code for u in rig.fake.updates))
    [update] = [u for u in rig.fake.updates if u["response_code"] == code]
    assert "✓ 已同意" in str(update)
    assert rig.rows("SELECT status FROM approvals") == [("approved",)]
    assert rig.rows("SELECT discount_percent FROM deals") == [(15,)]
    time.sleep(0.3)
