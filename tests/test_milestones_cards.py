"""A milestone's reminder card on Feishu and WeCom, end to end: `/交付` typed through `dealbot
serve`, the reminder sent by `dealbot tick` to the local fake platform API, and its Done pressed
with a real signed (and, for WeCom, encrypted) callback: the card is updated in place."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import feishu_signing as fsign
from tests.fakes.feishu_api import FakeFeishu
from tests.fakes.wecom_api import FakeWecom
from tests.kits import feishu as fkit
from tests.kits import wecom as wkit
from tests.test_feishu import FeishuRig, _walk, flat
from tests.test_feishu import wait_for as f_wait
from tests.test_serve import DEALBOT, serving
from tests.test_wecom import WecomRig, _click
from tests.test_wecom import wait_for as w_wait

# a day far ahead of any clock this runs on: the reminder comes only from the tick
DUE, TICK = "2030-01-08", "2030-01-08T09:00:00+08:00"


def tick(config: Path) -> None:
    done = subprocess.run(
        [str(DEALBOT), "tick", "--at", TICK, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def feishu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FeishuRig, Path]]:
    tmp = tmp_path_factory.mktemp("feishu-milestones")
    with FakeFeishu(app_id=fsign.APP_ID) as fake:
        fake.people["ou_alice"] = {
            "open_id": "ou_alice",
            "name": "小李",
            "time_zone": "Asia/Shanghai",
        }
        with serving(tmp, fkit.config(fake)) as (port, db, _):
            yield FeishuRig(fake, port, db), tmp / "dealbot.toml"


@pytest.fixture(scope="module")
def wecom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WecomRig, Path]]:
    tmp = tmp_path_factory.mktemp("wecom-milestones")
    with FakeWecom(corp_id=wkit.signing.CORP, agent_id=wkit.signing.AGENT) as fake:
        fake.people["lisi"] = {"userid": "lisi", "name": "小李"}
        with serving(tmp, wkit.config(fake)) as (port, db, _):
            yield WecomRig(fake, port, db), tmp / "dealbot.toml"


def test_done_on_a_milestone_reminder_card_patches_it_on_feishu(
    feishu: tuple[FeishuRig, Path],
) -> None:
    rig, config = feishu
    tenant = "tk_ms"
    rig.say("/商机 华为 新建 私有化部署 50万", tenant=tenant)
    _, said = rig.say(f"/交付 华为 第二个厂上线 {DUE}", tenant=tenant)
    assert "添加交付节点 M1：第二个厂上线" in said
    tick(config)
    value = "milestone.done:1:1"
    assert f_wait(lambda: any(value in str(m["content"]) for m in rig.fake.sent))
    card = next(m for m in rig.fake.sent if value in str(m["content"]))
    assert card["receive_id"] == "ou_alice" and "交付节点到期：M1 第二个厂上线" in flat(card)
    before = (len(rig.fake.sent), len(rig.fake.replies))
    click = fsign.card_action(
        {"b": value},
        open_id="ou_alice",
        tenant_key=tenant,
        chat_id=card["chat_id"],
        message_id=card["message_id"],
    )
    assert rig.post(*fsign.signed(click))[0] == 200
    assert f_wait(lambda: any(p["message_id"] == card["message_id"] for p in rig.fake.patches))
    patch = next(p for p in rig.fake.patches if p["message_id"] == card["message_id"])
    shown = flat(patch)
    assert "✓ 已交付：M1 第二个厂上线" in shown and "<at id=ou_alice></at>" in shown
    assert not [
        e for e in _walk(patch["content"]) if isinstance(e, dict) and e.get("tag") == "button"
    ]
    assert rig.rows("SELECT status FROM milestones") == [("done",)]
    time.sleep(0.5)  # and no "M1 已完成" message besides the card
    said_after = rig.fake.sent[before[0] :] + rig.fake.replies[before[1] :]
    assert not any("M1 已完成" in flat(m) for m in said_after)


def test_done_on_a_milestone_reminder_card_updates_it_on_wecom(
    wecom: tuple[WecomRig, Path],
) -> None:
    rig, config = wecom
    rig.say("/商机 华为 新建 私有化部署 50万")
    assert "添加交付节点 M1：第二个厂上线" in str(rig.say(f"/交付 华为 第二个厂上线 {DUE}"))
    tick(config)
    value = "milestone.done:1:1"
    assert w_wait(lambda: any(value in str(m["content"]) for m in rig.fake.sent))
    card = next(m for m in rig.fake.sent if value in str(m["content"]))
    assert card["touser"] == "lisi" and card["content"]["button_list"][0]["key"] == value
    before = len(rig.fake.sent)
    _click(rig, "lisi", card)
    code = card["response_code"]
    assert w_wait(lambda: any(u["response_code"] == code for u in rig.fake.updates))
    [update] = [u for u in rig.fake.updates if u["response_code"] == code]
    # nothing is left to press: WeCom greys the button out, naming the new state on it
    assert update["kind"] == "button"
    assert update["button"]["replace_name"].startswith("✓ 已交付：M1")
    assert rig.rows("SELECT status FROM milestones") == [("done",)]
    time.sleep(0.5)
    assert not any("M1 已完成" in str(m["content"]) for m in rig.fake.sent[before:])
