"""WeCom end to end: callbacks encrypted and signed as WeCom does them, over a real socket to
`dealbot serve`, which answers through its httpx client into a local fake of the WeCom API —
the self-built app's 1:1 chats and cards, and the AI bot's HTTP callback for group chats."""

from __future__ import annotations

import itertools
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.delivery import Delivery, TargetKind
from bot.outcome import Message
from tests.fakes import wecom_signing as signing
from tests.fakes.wecom_api import FakeWecom
from tests.kits import wecom as kit
from tests.test_reminder_cards import reminder_card
from tests.test_serve import serving

_ids = itertools.count(1)


UNSENT = "SELECT count(*) FROM outbox WHERE status IN ('pending', 'claimed')"


def wait_for(pred: Any, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return False


class WecomRig:
    def __init__(self, fake: FakeWecom, port: int, db: Path) -> None:
        self.fake, self.port, self.db = fake, port, db
        self.base = f"http://127.0.0.1:{port}"

    def request(
        self, path: str, query: str, body: bytes | None = None, content_type: str = "text/xml"
    ) -> tuple[int, bytes]:
        req = urllib.request.Request(
            f"{self.base}{path}?{query}",
            data=body,
            headers={"Content-Type": content_type},
            method="POST" if body is not None else "GET",
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def app(self, xml: str, **kw: Any) -> int:
        query, body = signing.callback(xml, **kw)
        return self.request("/wecom/callback", query, body)[0]

    def say(self, text: str, *, user: str = "lisi", timeout: float = 15) -> list[dict[str, Any]]:
        """A person's line in their 1:1 chat with the app; what the app sent back to them."""
        before = len(self.fake.sent)
        assert self.app(signing.text_xml(text, user=user, msg_id=next(_ids))) == 200
        assert wait_for(
            lambda: any(m["touser"] == user for m in self.fake.sent[before:]), timeout
        ), f"no answer to {text!r}"
        # the rest of a multi-part answer (a text and a card): every row of it was written in
        # one transaction, so it is all here once the outbox has nothing left to send
        assert wait_for(lambda: self.rows(UNSENT) == [(0,)], timeout), f"{text!r} not all sent"
        return [m for m in self.fake.sent[before:] if m["touser"] == user]

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql).fetchall()


def text_of(messages: list[dict[str, Any]]) -> str:
    out: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk([m["content"] for m in messages])
    return "\n".join(out)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WecomRig]:
    tmp = tmp_path_factory.mktemp("wecom")
    with FakeWecom(corp_id=signing.CORP, agent_id=signing.AGENT) as fake:
        fake.people["lisi"] = {"userid": "lisi", "name": "小李"}
        fake.people["wangjl"] = {"userid": "wangjl", "name": "王经理"}
        tables = kit.config(fake) + (
            f'aibot_token = "{signing.BOT_TOKEN}"\n'
            f'aibot_encoding_aes_key = "{signing.BOT_AES_KEY}"\n'
        )
        with serving(tmp, tables) as (port, db, log):
            yield WecomRig(fake, port, db)
        logged = log.read_text()
        for secret in (fake.secret, signing.TOKEN, signing.AES_KEY):
            assert secret not in logged  # never a secret in the logs
        assert "access_token=" not in logged.replace("access_token=<", "")


def test_the_callback_url_check_echoes_the_decrypted_echostr(rig: WecomRig) -> None:
    status, body = rig.request("/wecom/callback", signing.verify_url("echo-1409659589"))
    assert (status, body) == (200, b"echo-1409659589")
    forged = signing.verify_url("echo-2", token="not-the-token")
    assert rig.request("/wecom/callback", forged)[0] == 401
    # the AI bot's callback checks its URL the same way, with its own token and key, sealed
    # for the empty receive id
    bot = signing.verify_url(
        "echo-bot", token=signing.BOT_TOKEN, key=signing.BOT_AES_KEY, receive_id=""
    )
    assert rig.request("/wecom/aibot", bot) == (200, b"echo-bot")
    assert rig.request("/wecom/aibot", signing.verify_url("echo-bot"))[0] == 401  # the app's


def test_an_encrypted_chinese_log_is_answered_within_the_budget(rig: WecomRig) -> None:
    started = time.monotonic()
    answer = rig.say("/记录 华为 拜访 客户关注交付周期和私有化部署 下一步：周五前发方案 #交付")
    print(f"answered in {time.monotonic() - started:.2f}s")  # bench/wecom_ack.py measures
    text = text_of(answer)
    assert "记录了与华为的拜访" in text and "下一步 T1：发方案" in text
    assert "$userName=lisi$" in text  # the writer, in WeCom's own id form: their real name
    sql = "select timezone, locale, currency from tenants where name = 'wecom:ww_test_corp'"
    assert rig.rows(sql) == [("Asia/Shanghai", "zh_CN", "CNY")]


EVERY = [
    ("/记录 华为 电话 讨论报价", "记录了与华为的电话"),
    ("/商机 华为 新建 私有化部署项目 50万", "新建商机 D"),
    ("/商机 华为 阶段 方案递交", "方案递交"),
    ("/商机 华为 金额 60万", "60万元"),
    ("/待办 华为 确认交付周期 明天下午3点", "已为华为添加待办"),
    ("/待办", "待办"),
    ("/会议 华为 周五 14:00 90分钟", "华为"),
    ("/纪要 华为 确认了范围。- @小李 周三前发报价", "行动项已转为待办"),
    ("/问题 华为 是否支持国产数据库？", "问题"),
    ("/已答复 1", "已答复"),
    ("/漏斗", "销售漏斗"),
    ("/日报", ""),
    ("/进度 本月", "进度"),
    ("/目标 @小李 2026-12 电话=60 拜访=12 赢单=50万", "2026-12 目标"),
    ("/客户 华为", "华为"),
    ("/帮助", "dealbot 命令"),
    ("/商机 华为 金额 很多", "无法识别金额"),
    ("/log Acme call Discussed pricing", "logged a call with Acme"),
]


@pytest.mark.parametrize(("line", "expected"), EVERY)
def test_every_command_in_chinese(rig: WecomRig, line: str, expected: str) -> None:
    text = text_of(rig.say(line))
    assert expected in text, text
    assert "\x02" not in text and "Traceback" not in text


def _their_card(rig: WecomRig, user: str) -> dict[str, Any]:
    assert wait_for(
        lambda: any(m["touser"] == user and m["msgtype"] == "template_card" for m in rig.fake.sent)
    )
    return next(m for m in rig.fake.sent if m["touser"] == user and m["msgtype"] == "template_card")


def _click(rig: WecomRig, user: str, sent: dict[str, Any], times: int = 1) -> None:
    confirm = sent["content"]["button_list"][0]["key"]
    click = signing.card_click_xml(
        confirm, task_id=sent["content"]["task_id"], user=user, response_code=sent["response_code"]
    )
    for _ in range(times):  # WeCom sends a callback again when it got no answer in time
        assert rig.app(click) == 200


def test_a_requirement_card_is_clicked_and_updated(rig: WecomRig) -> None:
    for user in ("wangjl", "zhangs"):  # they have written to the app: people here
        rig.say("/帮助", user=user)
    answer = rig.say("/需求 华为 支持私有化部署，数据不出机房 确认人 @王经理 @zhangs")
    card = next(m["content"] for m in answer if m["msgtype"] == "template_card")
    assert card["card_type"] == "button_interaction" and card["task_id"]
    # each confirmer gets the card too, in their own chat with the app, and presses it there
    wang = _their_card(rig, "wangjl")
    _click(rig, "wangjl", wang, times=4)
    assert wait_for(lambda: len(rig.fake.updates) >= 1)
    time.sleep(0.5)
    [first] = rig.fake.updates  # four deliveries of one click: one update
    assert first["response_code"] == wang["response_code"] and first["kind"] == "template_card"
    assert "王经理" in first["template_card"]["quote_area"]["quote_text"]  # who pressed it
    # the last confirmation leaves nothing to press: the button names the new state
    _click(rig, "zhangs", _their_card(rig, "zhangs"))
    assert wait_for(lambda: len(rig.fake.updates) == 2)
    assert rig.fake.updates[1]["button"]["replace_name"] == "✓ 全部已确认"
    sql = "select count(*) from confirmations where decision = 'confirm'"
    assert rig.rows(sql) == [(2,)]


def test_done_on_a_reminder_card_updates_it_with_update_template_card(rig: WecomRig) -> None:
    rig.say("/待办 华为 发提醒报价 明天下午3点")
    [(task,)] = rig.rows("SELECT id FROM tasks WHERE text = '发提醒报价'")
    # the reminder card, as the scheduler sends it to the owner (its buttons carry `:1`)
    sent = Delivery(
        id=1,
        tenant_id=1,
        dedup_key=f"followup:{task}:test",
        platform="wecom",
        kind=TargetKind.PERSON,
        target_id="lisi",
        target_name="lisi",
        message=Message(card=reminder_card(task, "发提醒报价", locale="zh_CN")),
    )
    kit.sender(rig.fake).send(sent)
    card = rig.fake.sent[-1]
    assert card["content"]["button_list"][0]["key"] == f"task.done:{task}:1"
    before = len(rig.fake.sent)
    _click(rig, "lisi", card)
    assert wait_for(
        lambda: any(u["response_code"] == card["response_code"] for u in rig.fake.updates)
    )
    [update] = [u for u in rig.fake.updates if u["response_code"] == card["response_code"]]
    shown = update["template_card"]
    assert shown["main_title"]["title"].startswith(f"✓ 已完成：T{task}")
    assert [b["key"] for b in shown["button_list"]] == [f"task.log:{task}:1"]  # Done gone
    assert shown["quote_area"]["quote_text"]  # who pressed it
    time.sleep(0.5)  # and no "T… 已完成" message besides the card
    assert not any(f"T{task} 已完成" in str(m["content"]) for m in rig.fake.sent[before:])


def test_a_callback_delivered_four_times_is_one_record(rig: WecomRig) -> None:
    xml = signing.text_xml("/记录 华为 电话 同一条回调送达四次", msg_id=9_123_456_789)
    for _ in range(4):
        assert rig.app(xml) == 200  # new timestamps and nonces: WeCom signs each try anew
    sql = "select count(*) from activities where text = '同一条回调送达四次'"
    assert wait_for(lambda: rig.rows(sql) == [(1,)])
    time.sleep(0.5)
    assert rig.rows(sql) == [(1,)]


@pytest.mark.parametrize(
    "case", ["signature", "receiver", "stale", "unsigned", "padding", "entities", "not-xml"]
)
def test_bad_callbacks_get_4xx_and_change_nothing(rig: WecomRig, case: str) -> None:
    xml = signing.text_xml("/记录 恶意 电话 伪造", user="evil", msg_id=next(_ids))
    query, body = signing.callback(xml)
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<xml><Encrypt>&c;</Encrypt></xml>"
    )
    request = {
        "signature": lambda: signing.callback(xml, token="not-the-token"),
        "receiver": lambda: signing.callback(xml, receive_id="ww_other_corp"),
        "stale": lambda: signing.callback(xml, ts=int(time.time()) - 301),
        "unsigned": lambda: ("", body),
        "padding": lambda: signing.callback_bad_padding(xml),
        "entities": lambda: (query, bomb),
        "not-xml": lambda: (query, b"\xff\xfe not xml"),
    }[case]()
    status, _ = rig.request("/wecom/callback", *request)
    assert 400 <= status < 500, status
    assert rig.rows("select count(*) from identities where external_id = 'evil'") == [(0,)]


def test_an_invalid_token_and_a_busy_answer_are_retried(rig: WecomRig) -> None:
    fetched = rig.fake.token_fetches
    rig.fake.fail_next = ["40014", "45009"]
    text = text_of(rig.say("/记录 华为 电话 令牌失效又限流", timeout=30))
    assert "令牌失效又限流" in text
    assert rig.fake.token_fetches == fetched + 1  # dropped and fetched again, once
    assert not rig.fake.fail_next


def test_a_group_message_to_the_ai_bot_is_answered_in_the_group(rig: WecomRig) -> None:
    url = f"{rig.fake.base}/aibot/response/g1"
    payload = signing.bot_text(
        "@dealbot /记录 华为 电话 群里@机器人",
        msgid="bot-msg-1",
        user="lisi",
        chatid="wrgroup1",
        response_url=url,
    )
    query, body = signing.bot_callback(payload)
    for _ in range(2):  # a retry of the same msgid is the same record
        status, _ = rig.request("/wecom/aibot", query, body, "application/json")
        assert status == 200
    assert wait_for(lambda: bool(rig.fake.responses.get("g1")))
    reply = rig.fake.responses["g1"][0]
    assert reply["msgtype"] == "markdown" and "<@lisi>" in reply["markdown"]["content"]
    assert "群里@机器人" in reply["markdown"]["content"]
    sql = "select count(*) from activities where text = '群里@机器人'"
    assert rig.rows(sql) == [(1,)]


def _task_card(rig: WecomRig, text: str) -> tuple[int, dict[str, Any]]:
    """A new task of lisi's, and the card `/待办` lists it on (sent to lisi in their chat)."""
    rig.say(f"/待办 华为 {text} 明天下午3点")
    [(task,)] = rig.rows(f"select id from tasks where text = '{text}'")
    sent = next(m for m in reversed(rig.say("/待办")) if m["msgtype"] == "template_card")
    return task, sent


def test_two_buttons_of_one_card_pressed_in_one_second_both_count(rig: WecomRig) -> None:
    # Snooze, then Done, on one card in the same second: the callbacks differ only in EventKey
    # (events have no MsgId; WeCom's rule is who + when + which card) — both are presses
    task, sent = _task_card(rig, "同一秒内推迟再完成")
    card = sent["content"]["task_id"]
    second = int(time.time())
    replies = len(rig.fake.messages())
    for key in (f"task.snooze:{task}", f"task.done:{task}"):
        code = rig.fake.click_code(card)
        click = signing.card_click_xml(
            key, task_id=card, user="lisi", response_code=code, create_time=second
        )
        for _ in range(2):  # and each of them delivered twice is still one press
            assert rig.app(click) == 200
    sql = f"select status, snoozed_until is not null from tasks where id = {task}"
    assert wait_for(lambda: rig.rows(sql) == [("done", 1)]), rig.rows(sql)
    assert wait_for(lambda: sum(f"T{task} 已完成" in t for t in rig.fake.texts()) == 1)
    assert wait_for(lambda: sum(f"T{task} 已推迟" in t for t in rig.fake.texts()) == 1)
    time.sleep(0.5)
    keys = "select delivery_key from inbox where delivery_key like 'click:lisi:%'"
    assert sum(f"{second}:{card}" in k for (k,) in rig.rows(keys)) == 2
    assert len(rig.fake.messages()) - replies == 2  # one answer to each press, no more


def test_the_ai_bots_two_buttons_in_one_second_both_count(rig: WecomRig) -> None:
    # the AI bot's callback names each callback by its msgid ("本次回调的唯一性标志",
    # document/path/101027): two buttons are two msgids, a retry is the same msgid again
    rig.say("/待办 华为 群里同一秒推迟再完成 明天下午3点")
    [(task,)] = rig.rows("select id from tasks where text = '群里同一秒推迟再完成'")
    second = int(time.time())
    for n, key in enumerate((f"task.snooze:{task}", f"task.done:{task}")):
        url = rig.fake.response_url(f"click-{task}-{n}")
        payload = signing.bot_card_click(
            key,
            task_id="card-in-group",
            user="lisi",
            msgid=f"bot-click-{task}-{n}",
            response_url=url,
            create_time=second,
        )
        query, body = signing.bot_callback(payload)
        for _ in range(2):
            assert rig.request("/wecom/aibot", query, body, "application/json")[0] == 200
    sql = f"select status, snoozed_until is not null from tasks where id = {task}"
    assert wait_for(lambda: rig.rows(sql) == [("done", 1)]), rig.rows(sql)
    assert wait_for(lambda: sum(f"T{task} 已完成" in t for t in rig.fake.texts()) == 1)
    assert wait_for(lambda: sum(f"T{task} 已推迟" in t for t in rig.fake.texts()) == 1)
    time.sleep(0.5)
    keys = f"select count(*) from inbox where delivery_key like 'bot:bot-click-{task}-%'"
    assert rig.rows(keys) == [(2,)]


def test_a_click_whose_key_is_long_is_kept_whole(rig: WecomRig) -> None:
    # a task_id of 128 bytes and button keys of up to 1,024: the inbox key holds 200
    # characters, so a long one is its digest — never cut, which would merge these two
    card = "t" * 128
    second = int(time.time())
    for key in ("k" * 600 + "1", "k" * 600 + "2"):
        click = signing.card_click_xml(key, task_id=card, user="longkey", create_time=second)
        for _ in range(2):
            assert rig.app(click) == 200
    sql = "select delivery_key from inbox where payload like '%longkey%'"
    assert wait_for(lambda: len(rig.rows(sql)) == 2)
    time.sleep(0.5)
    keys = [k for (k,) in rig.rows(sql)]
    assert len(set(keys)) == 2 and all(len(k) <= 200 for k in keys)
