"""The WeCom fakes are faithful: a plain HTTP client sees WeCom's answers from FakeWecom, and the
official AI-bot SDK (`aibot`) connects, authenticates, receives and replies through FakeAibotWs.

Why: every WeCom adapter test leans on these fakes. If they drifted from what WeCom does — its
errcodes, its silent drops, its one-use codes, its frame protocol — the adapter tests would prove
nothing. Several SDK behaviours the adapter must work around are pinned here too, so that an SDK
upgrade that changes them fails loudly.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.fakes.wecom_api import RESPONSE_CODE_INVALID, FakeWecom, flatten
from tests.fakes.wecom_ws import FakeAibotWs, sdk_plain_ws

AGENT = 1000002


def _token(client: httpx.Client, fake: FakeWecom) -> str:
    data = client.get("gettoken", params={"corpid": fake.corp_id, "corpsecret": fake.secret})
    assert data.status_code == 200
    return str(data.json()["access_token"])


def _send(client: httpx.Client, token: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = client.post("message/send", params={"access_token": token}, json=body)
    assert resp.status_code == 200
    return dict(resp.json())


def _text(user: str, content: str, **extra: Any) -> dict[str, Any]:
    return {
        "touser": user,
        "msgtype": "text",
        "agentid": AGENT,
        "text": {"content": content},
        **extra,
    }


def _card(task_id: str, *, title: str = "需求确认", buttons: int = 2) -> dict[str, Any]:
    return {
        "card_type": "button_interaction",
        "source": {"desc": "dealbot"},
        "main_title": {"title": title, "desc": "华为 · 私有化部署"},
        "sub_title_text": "数据不出机房",
        "horizontal_content_list": [{"keyname": "确认人", "value": "王经理"}],
        "task_id": task_id,
        "button_list": [{"text": f"按钮{i}", "style": 1, "key": f"k{i}"} for i in range(buttons)],
    }


@contextmanager
def _api() -> Iterator[tuple[FakeWecom, httpx.Client]]:
    with FakeWecom() as fake, httpx.Client(base_url=fake.url, timeout=5) as client:
        yield fake, client


# -- FakeWecom over plain httpx ----------------------------------------------------------------


def test_tokens_are_issued_checked_and_expire() -> None:
    with _api() as (fake, client):
        wrong = client.get("gettoken", params={"corpid": fake.corp_id, "corpsecret": "nope"})
        assert (wrong.status_code, wrong.json()["errcode"]) == (200, 40001)
        other = client.get("gettoken", params={"corpid": "ww_x", "corpsecret": fake.secret})
        assert other.json()["errcode"] == 40013
        data = client.get(
            "gettoken", params={"corpid": fake.corp_id, "corpsecret": fake.secret}
        ).json()
        assert data["errcode"] == 0 and data["expires_in"] == 7200
        assert len(data["access_token"]) == 64 and fake.token_fetches == 3
        token = data["access_token"]
        assert _send(client, token, _text("lisi", "你好"))["errcode"] == 0
        assert fake.sent[0]["touser"] == "lisi" and fake.sent[0]["content"] == {"content": "你好"}
        assert client.post("message/send", json=_text("lisi", "x")).json()["errcode"] == 41001
        assert _send(client, "not-issued", _text("lisi", "x"))["errcode"] == 40014
        fake.expire_tokens()
        expired = _send(client, token, _text("lisi", "x"))
        assert expired["errcode"] == 42001 and "access_token expired" in expired["errmsg"]
        assert len(fake.sent) == 1
        fake.token_delay = 0.3  # lets a test prove concurrent first sends fetch once
        started = time.monotonic()
        _token(client, fake)
        assert time.monotonic() - started >= 0.3


def test_content_limits_and_targets() -> None:
    with _api() as (fake, client):
        token = _token(client, fake)
        exact = "汉" * 682 + "ab"  # 2048 bytes in UTF-8: allowed
        assert _send(client, token, _text("lisi", exact))["errcode"] == 0
        over = _send(client, token, _text("lisi", "长" * 700 + "END"))  # 2109 bytes
        assert over["errcode"] == 0  # text is cut to 2048 bytes, not refused: the end is lost
        assert fake.sent[-1]["content"]["content"] == "长" * 682 and fake.sent[-1]["truncated"]
        assert fake.truncated == 1
        md = {
            "touser": "lisi",
            "msgtype": "markdown",
            "agentid": AGENT,
            "markdown": {"content": "x" * 2049},
        }
        assert _send(client, token, md)["errcode"] == 45002
        assert _send(client, token, _text("lisi", ""))["errcode"] == 44004
        assert _send(client, token, _text("gone", "hi"))["errcode"] == 81013
        both = _send(client, token, _text("wangwu|gone", "hi"))
        assert both["errcode"] == 0 and both["invaliduser"] == "gone"
        assert _send(client, token, _text("lisi", "hi") | {"agentid": 1})["errcode"] == 40056
        assert _send(client, token, _text("lisi", "hi") | {"msgtype": "voicex"})["errcode"] == 40008
        assert [m["touser"] for m in fake.sent] == ["lisi", "lisi", "wangwu"]


def test_the_duplicate_check_answers_ok_and_delivers_once() -> None:
    with _api() as (fake, client):
        token = _token(client, fake)
        check = {"enable_duplicate_check": 1, "duplicate_check_interval": 1800}
        first = _send(client, token, _text("lisi", "明天下午3点 回访华为", **check))
        again = _send(client, token, _text("lisi", "明天下午3点 回访华为", **check))
        assert first["errcode"] == again["errcode"] == 0
        assert again["msgid"] == first["msgid"]  # answered as if sent: WeCom is silent here
        assert len(fake.sent) == 1 and fake.duplicates == 1
        _send(client, token, _text("lisi", "明天下午3点 回访华为"))  # check off: delivered
        _send(client, token, _text("wangwu", "明天下午3点 回访华为", **check))  # another member
        assert len(fake.sent) == 3
        short = {"enable_duplicate_check": 1, "duplicate_check_interval": 0.2}
        _send(client, token, _text("lisi", "again", **short))
        time.sleep(0.25)
        _send(client, token, _text("lisi", "again", **short))  # the window has passed
        assert len(fake.sent) == 5 and fake.duplicates == 1


def test_failures_look_like_wecom() -> None:
    with FakeWecom(hang_seconds=0.6) as fake, httpx.Client(base_url=fake.url, timeout=5) as client:
        token = _token(client, fake)
        fake.fail_next = ["40014"]
        assert _send(client, token, _text("lisi", "a"))["errcode"] == 40014
        # the token is forgotten: a client that keeps it keeps failing
        assert _send(client, token, _text("lisi", "a"))["errcode"] == 40014
        token = _token(client, fake)
        fake.fail_next = ["42001", "45009", "-1", "42009"]
        assert _send(client, token, _text("lisi", "a"))["errcode"] == 42001
        assert _send(client, token, _text("lisi", "a"))["errcode"] == 42001  # expired for good
        token = _token(client, fake)
        assert [_send(client, token, _text("lisi", "a"))["errcode"] for _ in range(3)] == [
            45009,
            -1,
            42009,
        ]
        token = _token(client, fake)
        fake.fail_next = ["500", "hang"]
        assert (
            client.post(
                "message/send", params={"access_token": token}, json=_text("lisi", "a")
            ).status_code
            == 500
        )
        with pytest.raises(httpx.ReadTimeout):
            client.post(
                "message/send", params={"access_token": token}, json=_text("lisi", "a"), timeout=0.3
            )
        assert not fake.fail_next and fake.sent == []
        assert _send(client, token, _text("lisi", "a"))["errcode"] == 0


def test_the_31st_message_in_a_minute_is_dropped_silently() -> None:
    with _api() as (fake, client):
        token = _token(client, fake)
        answers = [_send(client, token, _text("lisi", f"提醒 {i}"))["errcode"] for i in range(31)]
        assert answers == [0] * 31  # every one "sent"
        assert fake.rate("lisi") == 30 and fake.dropped == 1
        assert fake.lost[0]["content"] == {"content": "提醒 30"}
        assert _send(client, token, _text("wangwu", "hi"))["errcode"] == 0  # per member
        assert fake.rate("wangwu") == 1 and fake.dropped == 1


def test_a_card_is_sent_then_updated_once() -> None:
    with _api() as (fake, client):
        token = _token(client, fake)

        def card(content: dict[str, Any]) -> dict[str, Any]:
            body = {
                "touser": "wangjl",
                "msgtype": "template_card",
                "agentid": AGENT,
                "template_card": content,
            }
            return _send(client, token, body)

        sent = card(_card("dealbot_req-1@x"))
        assert sent["errcode"] == 0 and sent["msgid"] and sent["response_code"]
        assert fake.sent[0]["response_code"] == sent["response_code"]
        assert card(_card("dealbot_req-1@x"))["errcode"] == 42014  # task_id is once per app
        assert card(_card("a" * 129))["errcode"] == 42014
        assert card(_card("has space"))["errcode"] == 40058
        assert card(_card("t7", buttons=7))["errcode"] == 40058
        assert card(_card("t0", buttons=0))["errcode"] == 40058
        assert card(_card("t-notitle", title=""))["errcode"] == 40058

        def update(code: str, **what: Any) -> int:
            body = {"userids": ["wangjl"], "agentid": AGENT, "response_code": code, **what}
            resp = client.post(
                "message/update_template_card", params={"access_token": token}, json=body
            )
            return int(resp.json()["errcode"])

        code = sent["response_code"]
        assert update(code, button={"replace_name": "已确认"}) == 0
        assert update(code, button={"replace_name": "再来"}) == RESPONSE_CODE_INVALID  # spent
        assert update("rc-never-issued", button={"replace_name": "x"}) == RESPONSE_CODE_INVALID
        clicked = fake.click_code("dealbot_req-1@x")  # what a click's callback carries
        done = _card("dealbot_req-1@x", title="已确认 · 王经理")
        assert update(clicked, template_card=done) == 0
        old = fake.click_code("dealbot_req-1@x")
        fake.expire_code(old)
        assert update(old, button={"replace_name": "x"}) == RESPONSE_CODE_INVALID
        assert [(u["kind"], u["task_id"]) for u in fake.updates] == [
            ("button", "dealbot_req-1@x"),
            ("template_card", "dealbot_req-1@x"),
        ]
        assert fake.cards["dealbot_req-1@x"]["card"]["main_title"]["title"] == "已确认 · 王经理"
        texts = fake.texts()
        assert texts[0].splitlines() == [
            "dealbot",
            "需求确认",
            "华为 · 私有化部署",
            "数据不出机房",
            "确认人: 王经理",
            "按钮0",
            "按钮1",
        ]
        assert texts[1] == "已确认" and texts[2].splitlines()[1] == "已确认 · 王经理"


def test_people_and_the_bots_reply_address() -> None:
    with _api() as (fake, client):
        token = _token(client, fake)
        fake.people["lisi"] = {"name": "小李"}
        get = client.get("user/get", params={"access_token": token, "userid": "lisi"}).json()
        assert (get["errcode"], get["userid"], get["name"], get["department"]) == (
            0,
            "lisi",
            "小李",
            [1],
        )
        other = client.get("user/get", params={"access_token": token, "userid": "zs"}).json()
        assert other["name"] == "zs"
        fake.contact_denied = True
        denied = client.get("user/get", params={"access_token": token, "userid": "lisi"}).json()
        assert denied["errcode"] == 60011
        url = fake.response_url("g1")
        assert url.startswith(fake.url) and "response_code=g1" in url
        reply = {"msgtype": "markdown", "markdown": {"content": "<@lisi> 记录好了"}}
        assert httpx.post(url, json=reply).json()["errcode"] == 0
        assert httpx.post(url, json=reply).json()["errcode"] == RESPONSE_CODE_INVALID  # once
        by_path = f"{fake.base}/aibot/response/g2"  # the form tests build by hand
        assert httpx.post(by_path, json=reply).json()["errcode"] == 0
        assert fake.responses["g1"][0]["markdown"]["content"] == "<@lisi> 记录好了"
        assert fake.texts() == ["<@lisi> 记录好了", "<@lisi> 记录好了"]
        fake.expire_response_url("g3")
        assert httpx.post(fake.response_url("g3"), json=reply).json()["errcode"] != 0


def test_flatten_reads_cards_like_a_person() -> None:
    card = {
        "main_title": {"title": "T"},
        "emphasis_content": {"title": "50万", "desc": "金额"},
        "quote_area": {"quote_text": "原话"},
        "button_list": [{"text": "好", "key": "k"}],
    }
    assert flatten("template_card", card) == "T\n50万\n金额\n原话\n好"
    assert flatten("button", {"replace_name": "已处理"}) == "已处理"


# -- the official SDK against FakeAibotWs ------------------------------------------------------


class _Quiet:
    """The SDK's logger interface; its default prints every frame."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def debug(self, message: str, *args: Any) -> None:
        pass

    def info(self, message: str, *args: Any) -> None:
        pass

    def warn(self, message: str, *args: Any) -> None:
        self.lines.append(message)

    def error(self, message: str, *args: Any) -> None:
        self.lines.append(message)


class _Bot:
    """One `aibot.WSClient` on its own loop in its own thread, recording what it emits."""

    def __init__(
        self, url: str, *, secret: str = "aibot-secret", heartbeat_ms: int = 30_000
    ) -> None:
        aibot = pytest.importorskip("aibot")
        self.log = _Quiet()
        options = aibot.WSClientOptions(
            bot_id="aibot_test",
            secret=secret,
            ws_url=url,
            heartbeat_interval=heartbeat_ms,
            reconnect_interval=50,
            max_reconnect_attempts=-1,
            logger=self.log,
        )
        self.client = aibot.WSClient(options)
        self.events: list[tuple[str, Any]] = []
        for name in (
            "authenticated",
            "disconnected",
            "reconnecting",
            "error",
            "message.text",
            "event.disconnected_event",
        ):
            self.client.on(name, self._recorder(name))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _recorder(self, name: str) -> Any:
        return lambda *args: self.events.append((name, args[0] if args else None))

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.create_task(self.client.connect())  # connect() only returns once connected
        self.loop.run_forever()

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def frames(self, name: str) -> list[Any]:
        return [arg for n, arg in self.events if n == name]

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def stop(self) -> None:
        """How to stop the SDK from another thread: disconnect() on its own loop (it only
        schedules the close), let the close and the receive loop finish, cancel what is left
        (a reconnect backoff), then stop and close the loop."""

        async def shutdown() -> None:
            self.client.disconnect()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if others:
                _, pending = await asyncio.wait(others, timeout=3)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        assert not self.thread.is_alive()
        self.loop.close()


def _wait(pred: Any, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return False


def test_the_sdk_connects_receives_replies_and_reconnects() -> None:
    pytest.importorskip("aibot")
    from tests.fakes import wecom_signing as signing

    with sdk_plain_ws(), FakeAibotWs() as fake:
        bot = _Bot(fake.url)
        try:
            assert fake.wait_authenticated(1, 10)
            assert _wait(lambda: "authenticated" in bot.names())
            req_id = fake.push_text("/记录 华为 电话 群里", msgid="m1")
            assert _wait(lambda: bot.frames("message.text"))
            frame = bot.frames("message.text")[0]
            assert frame["headers"]["req_id"] == req_id
            # the same body the HTTP mode delivers (the adapter parses both alike)
            assert frame["body"] == signing.bot_text("/记录 华为 电话 群里", msgid="m1")

            ack = bot.call(bot.client.reply_stream(frame, "s1", "记录中…"))
            assert ack == {"headers": {"req_id": req_id}, "errcode": 0, "errmsg": "ok"}
            bot.call(bot.client.reply_stream(frame, "s1", "记录了与华为的电话", finish=True))
            assert [r["cmd"] for r in fake.replies] == ["aibot_respond_msg"] * 2
            assert fake.replies[0]["delay"] is not None and fake.replies[0]["delay"] < 5
            assert fake.texts() == ["记录了与华为的电话"]  # a stream shows its last snapshot

            fake.fail_next_reply = [846605]
            with pytest.raises(RuntimeError, match="846605"):
                bot.call(bot.client.reply(frame, {"msgtype": "markdown", "markdown": {"c": 1}}))
            with pytest.raises(RuntimeError, match="846605"):  # a message's req_id: no update
                bot.call(bot.client.update_template_card(frame, {"card_type": "text_notice"}))
            click = fake.push_click("confirm", task_id="t1", msgid="m2")
            card = {
                "card_type": "button_interaction",
                "task_id": "t1",
                "main_title": {"title": "已确认"},
                "button_list": [],
            }
            bot.call(bot.client.update_template_card({"headers": {"req_id": click}}, card))
            assert fake.replies[-1]["cmd"] == "aibot_respond_update_msg"
            md = {"msgtype": "markdown", "markdown": {"content": "早"}}
            sent = bot.call(bot.client.send_message("wrgroup1", md))
            assert sent["errcode"] == 0  # someone spoke in wrgroup1: the bot may post there
            with pytest.raises(RuntimeError, match="93001"):
                bot.call(bot.client.send_message("wrnever", md))

            fake.drop()  # a network failure: the SDK reconnects on its own
            assert fake.wait_authenticated(2, 10)
            fake.push_text("after the drop", msgid="m3")
            assert _wait(lambda: len(bot.frames("message.text")) == 2)

            # another connection for this bot logged in: told, then cut without a close frame;
            # the SDK reconnects — and in production would kick the other one back
            fake.kick(close_after=0.1)
            assert _wait(lambda: bot.frames("event.disconnected_event"))
            assert fake.wait_authenticated(3, 10) and fake.kicks == 1
        finally:
            bot.stop()
        assert fake.wait(lambda: fake.open_connections() == 0, 5)


def test_sdk_behaviours_the_adapter_must_work_around() -> None:
    """Pinned: if an SDK upgrade changes one of these, the adapter's workaround needs a look."""
    pytest.importorskip("aibot")
    with sdk_plain_ws(), FakeAibotWs(kick_close_after=0.2) as fake:
        # 1. wrong secret: an "error" event, no exception, and the socket stays open (as WeCom)
        bad = _Bot(fake.url, secret="wrong")
        try:
            assert _wait(lambda: bad.frames("error"))
            assert "853000" in str(bad.frames("error")[0])
            time.sleep(0.3)
            assert fake.open_connections() == 1 and "reconnecting" not in bad.names()
        finally:
            bad.stop()

        # 2. a clean close from the server: no "disconnected", no reconnect — silently dead
        bot = _Bot(fake.url, heartbeat_ms=100)
        try:
            assert fake.wait_authenticated(1, 10)
            fake.close(1000)
            time.sleep(1.0)
            assert not bot.client.is_connected and fake.authenticated == 1
            assert "disconnected" not in bot.names() and "reconnecting" not in bot.names()
        finally:
            bot.stop()

        # 3. pings unanswered: after 2 the SDK closes the socket itself, and again never
        #    reconnects (its close is clean too)
        bot = _Bot(fake.url, heartbeat_ms=100)
        try:
            assert fake.wait_authenticated(2, 10)
            fake.ignore_pings = True
            assert _wait(lambda: not bot.client.is_connected, 5)
            time.sleep(0.5)
            assert fake.authenticated == 2 and "reconnecting" not in bot.names()
        finally:
            bot.stop()
            fake.ignore_pings = False

        # 4. two processes with the same bot kick each other back and forth
        a, b = _Bot(fake.url), None
        try:
            assert fake.wait_authenticated(3, 10)
            b = _Bot(fake.url)
            assert _wait(lambda: fake.kicks >= 3, 10)
            assert a.frames("event.disconnected_event") and b.frames("event.disconnected_event")
        finally:
            a.stop()
            if b is not None:
                b.stop()
