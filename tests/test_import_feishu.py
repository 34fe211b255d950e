"""/导入 and /导出 on Feishu, end to end: an encrypted, signed file message (im.message.receive_v1,
message_type "file") in a 1:1 chat with the bot, over a real socket to `dealbot serve`, whose
worker fetches the file from the fake Open API's message resource with the tenant token,
answers with the report and a card, imports on a signed card callback, and sends an export
to the asker as a file message (im/v1/files, then msg_type file)."""

from __future__ import annotations

import io
import itertools
import json
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.fakes import feishu_signing as signing
from tests.fakes.feishu_api import FakeFeishu
from tests.kits import feishu as kit
from tests.test_serve import serving

CSV = "客户名称,负责人,商机名称,阶段,金额\n华为,,私有化部署项目,方案递交,500000\n比亚迪,,车间数字化,需求确认,280000\n".encode()
_ids = itertools.count(1)


def wait_for(pred: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := pred():
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


class Rig:
    def __init__(self, fake: FakeFeishu, port: int, db: Path) -> None:
        self.fake, self.db = fake, db
        self.url = f"http://127.0.0.1:{port}{kit.PATH}"

    def post(self, event: dict[str, Any]) -> int:
        body, headers = signing.signed(event)
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def message(
        self, user: str, tenant: str, *, text: str = "", name: str = "", data: bytes = b""
    ) -> None:
        """A 1:1 message to the bot: `text`, or a file called `name` holding `data`."""
        message_id = f"om_imp{next(_ids)}"
        event = signing.message_event(
            text,
            message_id=message_id,
            chat_id=f"oc_p2p_{user}",
            chat_type="p2p",
            open_id=user,
            tenant_key=tenant,
        )
        if name:
            content = self.fake.send_file(message_id, name, data)
            event["event"]["message"] |= {
                "message_type": "file",
                "content": json.dumps(content, ensure_ascii=False),
            }
        assert self.post(event) == 200

    def said(self, start: int, words: str) -> dict[str, Any]:
        """The first message shown after `start` that holds `words`."""

        def find() -> dict[str, Any] | None:
            for m in self.fake.messages()[start:]:
                if words in json.dumps(m.get("content"), ensure_ascii=False):
                    return m
            return None

        return wait_for(find)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with (
        kit.fake() as fake,
        serving(tmp_path_factory.mktemp("feishu"), kit.config(fake)) as (
            port,
            db,
            _,
        ),
    ):
        yield Rig(fake, port, db)


def test_a_file_sent_to_the_bot_is_reported_and_imported_on_a_card_click(rig: Rig) -> None:
    tenant = "tk_import"
    start = len(rig.fake.messages())
    rig.message("ou_admin", tenant, name="客户.csv", data=CSV)  # first here: the admin
    card = rig.said(start, "import.go:")
    assert "将新建客户 2 个、商机 2 个。" in json.dumps(card["content"], ensure_ascii=False)
    rig.said(start, "客户.csv：读取 2 行")  # the report
    fetched = [c for c in rig.fake.calls if "/resources/" in c[1]]
    assert len(fetched) == 1 and fetched[0][2] == {"type": "file"}
    assert rig.rows("SELECT count(*) FROM customers WHERE name = '华为'") == [(0,)]

    value = next(
        e["behaviors"][0]["value"]
        for e in _walk(card["content"])
        if isinstance(e, dict) and e.get("tag") == "button" and "import.go" in json.dumps(e)
    )
    click = signing.card_action(
        value,
        open_id="ou_admin",
        tenant_key=tenant,
        chat_id="oc_p2p_ou_admin",
        message_id=card["message_id"],
    )
    assert rig.post(click) == 200
    patch = wait_for(
        lambda: next((p for p in rig.fake.patches if p["message_id"] == card["message_id"]), None)
    )
    assert "已由" in json.dumps(patch["content"], ensure_ascii=False)
    assert sorted(rig.rows("SELECT name FROM customers")) == sorted([("比亚迪",), ("华为",)])
    assert rig.rows("SELECT count(*) FROM deals WHERE title = '私有化部署项目'") == [(1,)]
    # the same click again imports nothing more
    again = len(rig.fake.messages())
    assert rig.post(signing.card_action(value, open_id="ou_admin", tenant_key=tenant)) == 200
    rig.said(again, "已经导入过")
    assert rig.rows("SELECT count(*) FROM deals WHERE title = '私有化部署项目'") == [(1,)]


def test_an_oversized_file_is_refused_and_a_rep_is_refused(rig: Rig) -> None:
    tenant = "tk_refuse"
    rig.message("ou_boss", tenant, text="/导入")  # the admin, in Chinese
    start = len(rig.fake.messages())
    big = b"Customer\n" + b"x" * (6 * 1024 * 1024)
    rig.message("ou_boss", tenant, name="全部客户.csv", data=big)
    rig.said(start, "超过了可导入的 5 MB")
    assert rig.rows("SELECT id FROM files WHERE name = '全部客户.csv'") == []  # never kept
    rig.message("ou_rep", tenant, text="/帮助")  # a rep
    rig.message("ou_rep", tenant, name="我的客户.csv", data=CSV)
    rig.said(start, "只有管理员和经理可以导入表格")


def test_export_arrives_as_a_file_message_to_the_asker(rig: Rig) -> None:
    tenant = "tk_export"
    rig.message("ou_exp", tenant, text="/商机 华为 新建 私有化部署项目 50万")
    start = len(rig.fake.messages())
    rig.message("ou_exp", tenant, text="/导出 客户,商机")
    rig.said(start, "已私信发给你：客户 1 条，商机 1 条")
    sent = wait_for(
        lambda: [
            m for m in rig.fake.sent if m["msg_type"] == "file" and m["receive_id"] == "ou_exp"
        ]
    )
    upload = rig.fake.uploaded[sent[0]["content"]["file_key"]]
    book = openpyxl.load_workbook(io.BytesIO(upload["data"]))
    assert book.sheetnames == ["客户", "商机"]
    assert upload["file_name"].endswith(".xlsx")
