"""The AI bot's long connection end to end: `dealbot serve` runs the official SDK (`aibot`)
against a local fake of WeCom's long-connection server; a group's `@dealbot /记录 …` is stored,
handled, and answered over the same connection, to the frame that asked; a card in the group
is clicked and updated; a dropped connection comes back."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import wecom_signing as signing
from tests.fakes.wecom_api import FakeWecom
from tests.fakes.wecom_ws import FakeAibotWs
from tests.kits import wecom as kit
from tests.test_serve import serving
from tests.test_wecom import wait_for


class Rig:
    def __init__(self, api: FakeWecom, ws: FakeAibotWs, db: Path) -> None:
        self.api, self.ws, self.db = api, ws, db

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql).fetchall()

    def answer(self, req_id: str, timeout: float = 15) -> dict[str, Any]:
        assert wait_for(lambda: any(r["req_id"] == req_id for r in self.ws.replies), timeout)
        return next(r for r in self.ws.replies if r["req_id"] == req_id)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    tmp = tmp_path_factory.mktemp("wecom-ws")
    with FakeWecom(corp_id=signing.CORP, agent_id=signing.AGENT) as api, FakeAibotWs() as ws:
        api.people["lisi"] = {"userid": "lisi", "name": "小李"}
        api.people["wangjl"] = {"userid": "wangjl", "name": "王经理"}
        tables = kit.config(api) + (
            f'bot_id = "{ws.bot_id}"\nbot_secret = "{ws.secret}"\nbot_ws_url = "{ws.url}"\n'
        )
        with serving(tmp, tables) as (_, db, log):
            assert ws.wait_authenticated(1, timeout=30), log.read_text()
            yield Rig(api, ws, db)
        assert ws.secret not in log.read_text()


def stream_of(reply: dict[str, Any]) -> str:
    body = reply["body"]
    assert body["msgtype"] == "stream" and body["stream"]["finish"] is True
    return body["stream"]["content"]


def test_a_group_log_is_answered_over_the_connection_to_its_frame(rig: Rig) -> None:
    req_id = rig.ws.push_text("/记录 华为 电话 长连接群聊", msgid="ws-msg-1")
    reply = rig.answer(req_id)
    assert reply["cmd"] == "aibot_respond_msg"
    content = stream_of(reply)
    assert "记录了与华为的电话" in content and "长连接群聊" in content
    assert "<@lisi>" in content  # the writer, as a WeCom mention
    assert not rig.api.sent  # nothing went to anyone 1:1


def test_the_same_message_twice_is_one_record(rig: Rig) -> None:
    for _ in range(2):
        rig.ws.push_text("/记录 华为 电话 长连接重复", msgid="ws-msg-dup")
    sql = "select count(*) from activities where text = '长连接重复'"
    assert wait_for(lambda: rig.rows(sql) == [(1,)])
    time.sleep(0.5)
    assert rig.rows(sql) == [(1,)]


def test_a_card_in_the_group_is_clicked_and_updated(rig: Rig) -> None:
    # 王经理 and zhangs ask for help: a private answer, which WeCom cannot show in a group,
    # comes to them 1:1 from the app; and they are people here now
    for user in ("wangjl", "zhangs"):
        rig.ws.push_text("/帮助", msgid=f"ws-help-{user}", user=user)
        assert wait_for(lambda u=user: any(m["touser"] == u for m in rig.api.sent))
    assert "dealbot 命令" in str(next(m for m in rig.api.sent if m["touser"] == "wangjl"))
    req_id = rig.ws.push_text("/需求 华为 支持私有化部署 确认人 @王经理 @zhangs", msgid="ws-req")
    reply = rig.answer(req_id)
    assert reply["body"]["msgtype"] == "template_card"
    card = reply["body"]["template_card"]
    confirm = card["button_list"][0]["key"]
    click = rig.ws.push_click(confirm, task_id=card["task_id"], msgid="ws-click", user="wangjl")
    update = rig.answer(click)  # answered to the click's own frame, within its 5 s
    assert update["cmd"] == "aibot_respond_update_msg"
    assert update["body"]["response_type"] == "update_template_card"
    assert "王经理" in update["body"]["template_card"]["quote_area"]["quote_text"]
    assert update["body"]["template_card"]["task_id"] == card["task_id"]
    sql = "select count(*) from confirmations where decision = 'confirm'"
    assert wait_for(lambda: rig.rows(sql) == [(1,)])


def test_done_on_a_reminder_card_is_answered_with_an_update_frame(rig: Rig) -> None:
    rig.answer(rig.ws.push_text("/待办 华为 长连接提醒报价 明天下午3点", msgid="ws-remind"))
    [(task,)] = rig.rows("SELECT id FROM tasks WHERE text = '长连接提醒报价'")
    # Done on a reminder card (its buttons carry `:1`): the card shows it done, keeps Log
    click = rig.ws.push_click(f"task.done:{task}:1", task_id="remind_card", msgid="ws-rdone")
    update = rig.answer(click)
    assert update["cmd"] == "aibot_respond_update_msg"
    assert update["body"]["response_type"] == "update_template_card"
    shown = update["body"]["template_card"]
    assert shown["main_title"]["title"].startswith(f"✓ 已完成：T{task}")
    assert [b["key"] for b in shown["button_list"]] == [f"task.log:{task}:1"]
    assert shown["task_id"] == "remind_card"


def test_a_dropped_connection_comes_back_and_answers_again(rig: Rig) -> None:
    before = rig.ws.authenticated
    rig.ws.drop()
    assert rig.ws.wait_authenticated(before + 1, timeout=30)
    reply = rig.answer(rig.ws.push_text("/记录 华为 电话 重连之后", msgid="ws-msg-2"))
    assert "重连之后" in stream_of(reply)
