"""Feishu's long connection end to end: `dealbot serve` in websocket mode runs the real
lark_oapi.ws.Client against a local fake of Feishu's long-connection server; each event is
acknowledged once it is stored (its work comes after), and a dropped connection comes back."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import feishu_signing as signing
from tests.fakes.feishu_api import FakeFeishu
from tests.fakes.feishu_ws import FakeFeishuWs
from tests.test_feishu import wait_for
from tests.test_serve import serving


class Rig:
    def __init__(self, api: FakeFeishu, ws: FakeFeishuWs, db: Path) -> None:
        self.api, self.ws, self.db = api, ws, db

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    tmp = tmp_path_factory.mktemp("feishu-ws")
    with FakeFeishu(app_id=signing.APP_ID) as api, FakeFeishuWs() as ws:
        api.ws_url = ws.url
        api.contact_delay = 4.0  # the work after the ack is slower than Feishu's 3 s
        tables = (
            f'[feishu]\napp_id = "{signing.APP_ID}"\napp_secret = "{api.app_secret}"\n'
            f'mode = "websocket"\ndomain = "{api.url}"\n'
        )
        with serving(tmp, tables) as (_, db, log):
            assert ws.wait_connected(1, timeout=30), log.read_text()
            yield Rig(api, ws, db)
        assert api.app_secret not in log.read_text()


def event(text: str, message_id: str, tenant: str = "tk_ws") -> dict[str, Any]:
    return signing.message_event(
        f"@_user_1 {text}",
        message_id=message_id,
        tenant_key=tenant,
        mentions=[("@_user_1", signing.BOT, "dealbot")],
    )


def test_an_event_is_acknowledged_when_stored_and_answered_after(rig: Rig) -> None:
    frame = rig.ws.send(event("/记录 华为 电话 长连接收到", "om_ws1"))
    ack = rig.ws.wait_ack(frame, timeout=10)
    assert ack is not None and ack["code"] == 200
    assert rig.rows("select count(*) from inbox") >= [(1,)]  # stored when acknowledged
    # the answer needs the (slow) contact lookup: it comes after the ack, not before
    assert not any(r["to"] == "om_ws1" for r in rig.api.replies)
    assert wait_for(lambda: any(r["to"] == "om_ws1" for r in rig.api.replies), 30)
    assert "长连接收到" in str(next(r for r in rig.api.replies if r["to"] == "om_ws1"))


def test_a_redelivered_event_is_one_record(rig: Rig) -> None:
    for n in range(3):  # a reconnect's backfill: the same message, a new event id
        payload = event("/记录 华为 电话 长连接重复送达", "om_ws_dup")
        payload["header"]["event_id"] = f"ev-dup-{n}"
        assert (rig.ws.wait_ack(rig.ws.send(payload)) or {}).get("code") == 200
    sql = "select count(*) from activities where text = '长连接重复送达'"
    assert wait_for(lambda: rig.rows(sql) == [(1,)], 30)


def test_a_card_click_over_the_long_connection_is_answered_in_its_ack(rig: Rig) -> None:
    click = signing.card_action({"b": "task.done:999"}, tenant_key="tk_ws", message_id="om_c1")
    ack = rig.ws.wait_ack(rig.ws.send(click))
    assert ack is not None and ack["code"] == 200 and ack["data"] == {}


def test_a_dropped_connection_reconnects_and_events_flow_again(rig: Rig) -> None:
    before = rig.ws.connections
    rig.ws.drop()
    assert rig.ws.wait_connected(before + 1, timeout=30)
    frame = rig.ws.send(event("/记录 华为 电话 重连之后", "om_ws2"))
    assert (rig.ws.wait_ack(frame) or {}).get("code") == 200
    assert wait_for(lambda: any(r["to"] == "om_ws2" for r in rig.api.replies), 30)
