"""Issue 20.2: a stage checklist's 勾选 button clicked end to end through `dealbot serve` on
Feishu (signed events and card callbacks, the real lark-oapi client, the fake Open API), the
card patched in place and the tick stored with who pressed it."""

from __future__ import annotations

import time
from typing import Any

from tests.fakes import feishu_signing as signing
from tests.test_feishu import FeishuRig, _walk, flat, rig, wait_for  # noqa: F401 (rig: fixture)


def _card_reply(rig: FeishuRig, message_id: str) -> dict[str, Any]:  # noqa: F811
    def found() -> dict[str, Any] | None:
        with rig.fake.lock:
            return next(
                (
                    r
                    for r in rig.fake.replies
                    if r["to"] == message_id and r["msg_type"] == "interactive"
                ),
                None,
            )

    assert wait_for(lambda: found() is not None)
    answer = found()
    assert answer is not None
    return answer


def test_feishu_a_checklist_tick_patches_the_card(rig: FeishuRig) -> None:  # noqa: F811
    tenant = "tk_check"
    rig.say("/商机 华为 新建 私有化部署 50万", tenant=tenant)
    answer = _card_reply(rig, rig.send("/商机 D1 阶段 签约前沟通", tenant=tenant))
    shown = flat(answer)
    assert "清单 · D1“私有化部署”（华为）— 签约前沟通" in shown and "法务审核" in shown
    buttons = [
        e for e in _walk(answer["content"]) if isinstance(e, dict) and e.get("tag") == "button"
    ]
    values = [b["behaviors"][0]["value"] for b in buttons]
    assert len(values) == 6
    click = signing.card_action(
        values[5],  # 6. 法务审核
        open_id="ou_alice",
        tenant_key=tenant,
        chat_id="oc_sales",
        message_id=answer["message_id"],
    )
    status, _ = rig.post(*signing.signed(click))
    assert status == 200
    assert wait_for(lambda: any(p["message_id"] == answer["message_id"] for p in rig.fake.patches))
    patch = next(p for p in rig.fake.patches if p["message_id"] == answer["message_id"])
    patched = flat(patch)
    assert "6&#46; ☑ 法务审核 — <at id=ou_alice></at>" in patched  # who, as a mention
    assert "1/6；未完成的必填项：1、2、3、4、5" in patched
    # the same callback delivered again changes nothing more
    assert rig.post(*signing.signed(click))[0] == 200
    time.sleep(0.5)
    assert sum(p["message_id"] == answer["message_id"] for p in rig.fake.patches) == 1
    assert rig.rows("SELECT item, undone_at FROM checklist_ticks") == [("legal", None)]
