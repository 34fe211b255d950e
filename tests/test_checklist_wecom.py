"""Issue 20.2: a stage checklist's 勾选 button clicked end to end through `dealbot serve` on
WeCom (encrypted, signed callbacks to the self-built app, the fake API), the template card
updated in place and the tick stored with who pressed it."""

from __future__ import annotations

import time

from tests.fakes import wecom_signing as signing
from tests.test_wecom import WecomRig, rig, wait_for  # noqa: F401 (rig: the fixture)


def test_wecom_a_checklist_tick_updates_the_template_card(rig: WecomRig) -> None:  # noqa: F811
    rig.say("/商机 华为 新建 私有化部署 50万")
    answer = rig.say("/商机 D1 阶段 签约前沟通")
    sent = next(m for m in answer if m["msgtype"] == "template_card")
    card = sent["content"]
    assert card["card_type"] == "button_interaction"
    assert "签约前沟通" in card["main_title"]["title"]
    keys = [b["key"] for b in card["button_list"]]
    assert keys == [f"check.tick:1:4:{n}" for n in range(1, 7)]  # six: WeCom's most
    assert [b["text"] for b in card["button_list"]][:2] == ["勾选 1", "勾选 2"]
    click = signing.card_click_xml(
        keys[1], task_id=card["task_id"], user="lisi", response_code=sent["response_code"]
    )
    for _ in range(3):  # WeCom sends a callback again when it got no answer in time
        assert rig.app(click) == 200
    assert wait_for(lambda: len(rig.fake.updates) >= 1)
    time.sleep(0.5)
    [update] = rig.fake.updates  # three deliveries of one click: one update
    assert update["response_code"] == sent["response_code"]
    assert update["kind"] == "template_card"
    shown = str(update["template_card"])
    assert "2. ☑ 付款条款 — @小李" in update["template_card"]["sub_title_text"]  # and by whom
    assert update["template_card"]["quote_area"]["quote_text"] == "@小李"  # who pressed it
    assert "check.tick:1:4:2" not in shown and "check.tick:1:4:3" in shown
    assert rig.rows("SELECT item, undone_at FROM checklist_ticks") == [("payment_terms", None)]
