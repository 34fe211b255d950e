"""/导入 on WeCom, end to end: a file a member sends the self-built app (callback XML
`MsgType=file` with its `MediaId`), encrypted and signed as WeCom does, over a real socket to
`dealbot serve`, whose worker fetches it with media/get from the fake API, answers with the
report and a button card, and imports on a signed template_card_event click."""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import wecom_signing as signing
from tests.fakes.wecom_api import FakeWecom
from tests.kits import wecom as kit
from tests.test_serve import serving

CSV = "客户名称,负责人,商机名称,阶段,金额\n华为,,私有化部署项目,方案递交,500000\n比亚迪,,,,\n".encode()
_ids = itertools.count(1)


def wait_for(pred: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := pred():
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def file_xml(media_id: str, *, user: str, name: str | None = None) -> str:
    """A file sent to the app: MsgType file and its MediaId (document/path/90240 lists no more
    fields; open-source adapters also see FileName, which is sent here when `name` is given)."""
    named = f"<FileName>{signing.cdata(name)}</FileName>" if name else ""
    return (
        f"<xml><ToUserName>{signing.cdata(signing.CORP)}</ToUserName>"
        f"<FromUserName>{signing.cdata(user)}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType>{signing.cdata('file')}</MsgType>"
        f"<MediaId>{signing.cdata(media_id)}</MediaId>{named}"
        f"<MsgId>{7_000_000_000 + next(_ids)}</MsgId>"
        f"<AgentID>{signing.AGENT}</AgentID></xml>"
    )


class Rig:
    def __init__(self, fake: FakeWecom, port: int, db: Path) -> None:
        self.fake, self.db = fake, db
        self.base = f"http://127.0.0.1:{port}"

    def app(self, xml: str) -> int:
        query, body = signing.callback(xml)
        req = urllib.request.Request(
            f"{self.base}/wecom/callback?{query}",
            data=body,
            headers={"Content-Type": "text/xml"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def said(self, user: str, start: int, words: str) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            for m in self.fake.sent[start:]:
                if m["touser"] == user and words in json.dumps(m, ensure_ascii=False):
                    return m
            return None

        return wait_for(find)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with FakeWecom(corp_id=signing.CORP, agent_id=signing.AGENT) as fake:
        fake.people["wangjl"] = {"userid": "wangjl", "name": "王经理"}
        with serving(tmp_path_factory.mktemp("wecom"), kit.config(fake)) as (port, db, _):
            yield Rig(fake, port, db)


def test_a_file_sent_to_the_app_is_reported_and_imported_on_a_click(rig: Rig) -> None:
    assert rig.app(signing.text_xml("/帮助", user="wangjl")) == 200  # the corp's first: admin
    start = len(rig.fake.sent)
    media = rig.fake.receive_file("客户.csv", CSV)
    assert rig.app(file_xml(media, user="wangjl")) == 200  # no FileName: media/get names it
    card = rig.said("wangjl", start, "import.go:")["content"]
    assert card["card_type"] == "button_interaction"
    rig.said("wangjl", start, "客户.csv：读取 2 行")  # the report, before the card
    fetches = [c for c in rig.fake.calls if c[1] == "media/get"]
    assert len(fetches) == 1 and fetches[0][2]["media_id"] == media
    assert rig.rows("SELECT count(*) FROM customers") == [(0,)]

    go = next(b["key"] for b in card["button_list"] if b["key"].startswith("import.go:"))
    click = signing.card_click_xml(
        go,
        task_id=card["task_id"],
        user="wangjl",
        response_code=rig.fake.click_code(card["task_id"]),
    )
    assert rig.app(click) == 200
    wait_for(lambda: rig.fake.updates)
    assert "已由" in json.dumps(rig.fake.updates[-1], ensure_ascii=False)
    assert sorted(rig.rows("SELECT name FROM customers")) == sorted([("华为",), ("比亚迪",)])
    assert rig.rows("SELECT count(*) FROM deals WHERE title = '私有化部署项目'") == [(1,)]
    # pressed again (a later press of the same button): told, nothing imported twice
    again = len(rig.fake.sent)
    later = signing.card_click_xml(
        go,
        task_id=card["task_id"],
        user="wangjl",
        response_code=rig.fake.click_code(card["task_id"]),
        create_time=int(time.time()) + 5,
    )
    assert rig.app(later) == 200
    rig.said("wangjl", again, "已经导入过")
    assert rig.rows("SELECT count(*) FROM deals WHERE title = '私有化部署项目'") == [(1,)]


def test_an_oversized_file_and_a_rep_are_refused(rig: Rig) -> None:
    assert rig.app(signing.text_xml("/帮助", user="wangjl")) == 200
    start = len(rig.fake.sent)
    big = rig.fake.receive_file("全部客户.xlsx", b"PK\x03\x04" + b"x" * (6 * 1024 * 1024))
    assert rig.app(file_xml(big, user="wangjl", name="全部客户.xlsx")) == 200
    rig.said("wangjl", start, "超过了可导入的 5 MB")
    photo = rig.fake.receive_file("白板.jpg", b"\xff\xd8\xff")
    assert rig.app(file_xml(photo, user="wangjl", name="白板.jpg")) == 200
    rig.said("wangjl", start, "不是我能读取的表格")
    assert not any(c[2].get("media_id") == photo for c in rig.fake.calls)  # never fetched
    assert rig.app(signing.text_xml("/帮助", user="lisi")) == 200  # a rep
    media = rig.fake.receive_file("我的客户.csv", CSV)
    assert rig.app(file_xml(media, user="lisi", name="我的客户.csv")) == 200
    rig.said("lisi", start, "只有管理员和经理可以导入表格")


def test_export_arrives_as_a_file_message_to_the_asker(rig: Rig) -> None:
    assert rig.app(signing.text_xml("/商机 腾讯 新建 会议室系统 30万", user="zhaoj")) == 200
    start = len(rig.fake.sent)
    assert rig.app(signing.text_xml("/导出 商机 csv", user="zhaoj")) == 200
    rig.said("zhaoj", start, "已私信发给你：商机")
    sent = wait_for(
        lambda: [
            m for m in rig.fake.sent[start:] if m["touser"] == "zhaoj" and m["msgtype"] == "file"
        ]
    )
    upload = rig.fake.uploads[sent[0]["content"]["media_id"]]
    assert upload["type"] == "file" and upload["filename"].endswith(".csv")
    assert "会议室系统" in upload["data"].decode("utf-8-sig")  # hers, and only hers
    assert "私有化部署项目" not in upload["data"].decode("utf-8-sig")
