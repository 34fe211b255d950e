"""The Feishu fakes are faithful: the real lark-oapi SDK accepts what they produce and sends.

Why: every Feishu adapter test leans on these fakes. If the signer, the fake Open API or the fake
long-connection server drifted from what Feishu does, the adapter tests would prove nothing, so
each fake is checked here against lark-oapi itself (signature check, AES, HTTP client, WS client).
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import lark_oapi as lark
import pytest
from lark_oapi.api.contact.v3 import GetUserRequest
from lark_oapi.api.im.v1 import (
    CreateMessageRequest,
    CreateMessageRequestBody,
    PatchMessageRequest,
    PatchMessageRequestBody,
    ReplyMessageRequest,
    ReplyMessageRequestBody,
)
from lark_oapi.core.utils import AESCipher

from tests.fakes import feishu_signing as fs
from tests.fakes.feishu_api import FakeFeishu, flatten
from tests.fakes.feishu_ws import FakeFeishuWs

SECRET = "test-app-secret"


def _raw(body: bytes, headers: dict[str, str]) -> lark.RawRequest:
    req = lark.RawRequest()
    req.uri = "/feishu/events"
    req.body = body
    req.headers = headers
    return req


def _client(fake: FakeFeishu) -> lark.Client:
    return (
        lark.Client.builder()
        .app_id(fs.APP_ID)
        .app_secret(SECRET)
        .domain(fake.url)
        .timeout(3)
        .log_level(lark.LogLevel.ERROR)
        .build()
    )


def _create(uuid: str | None = None, *, text: str = "hi", chat: str = "oc_sales") -> Any:
    body = (
        CreateMessageRequestBody.builder()
        .receive_id(chat)
        .msg_type("text")
        .content(json.dumps({"text": text}))
    )
    if uuid:
        body = body.uuid(uuid)
    return (
        CreateMessageRequest.builder().receive_id_type("chat_id").request_body(body.build()).build()
    )


def _card(title: str, text: str, *, shared: bool = True) -> str:
    card: dict[str, Any] = {
        "schema": "2.0",
        "header": {"title": {"tag": "plain_text", "content": title}},
        "body": {
            "elements": [
                {"tag": "markdown", "content": text},
                {
                    "tag": "button",
                    "text": {"tag": "plain_text", "content": "Approve"},
                    "behaviors": [{"type": "callback", "value": {"cmd": "approve"}}],
                },
            ]
        },
    }
    if shared:
        card["config"] = {"update_multi": True}
    return json.dumps(card)


# -- signing -------------------------------------------------------------------------------------


def test_signed_event_is_accepted_by_lark_dispatcher() -> None:
    seen: list[Any] = []
    handler = (
        lark.EventDispatcherHandler.builder(fs.ENCRYPT_KEY, fs.TOKEN)
        .register_p2_im_message_receive_v1(seen.append)
        .build()
    )
    event = fs.message_event(
        "@_user_1 /log Acme call 你好",
        message_id="om_in1",
        mentions=[("@_user_1", fs.BOT, "dealbot")],
    )
    body, headers = fs.signed(event)
    resp = handler.do(_raw(body, headers))
    assert resp.status_code == 200, resp.content
    assert len(seen) == 1
    msg = seen[0].event.message
    assert json.loads(msg.content)["text"] == "@_user_1 /log Acme call 你好"
    assert msg.mentions[0].id.open_id == fs.BOT
    assert seen[0].event.sender.sender_id.open_id == "ou_alice"
    assert seen[0].header.tenant_key == fs.HOME

    tampered = body.replace(b'"}', b' "}')
    assert handler.do(_raw(tampered, headers)).status_code != 200
    _, forged = fs.signed(event, sign_key="wrong-key")
    assert handler.do(_raw(body, forged)).status_code != 200
    assert len(seen) == 1


def test_card_action_and_url_verification_pass_lark_dispatcher() -> None:
    clicks: list[Any] = []

    def on_click(data: Any) -> Any:
        clicks.append(data)
        return {}  # lark-oapi answers 500 when a card handler returns None

    handler = (
        lark.EventDispatcherHandler.builder(fs.ENCRYPT_KEY, fs.TOKEN)
        .register_p2_card_action_trigger(on_click)
        .build()
    )
    body, headers = fs.signed(fs.card_action({"cmd": "approve", "id": "42"}, message_id="om_9"))
    assert handler.do(_raw(body, headers)).status_code == 200
    assert clicks[0].event.action.value == {"cmd": "approve", "id": "42"}
    assert clicks[0].event.context.open_message_id == "om_9"

    body, headers = fs.signed(fs.url_verification("ch-1"))
    resp = handler.do(_raw(body, headers))
    assert resp.status_code == 200 and json.loads(resp.content) == {"challenge": "ch-1"}


def test_encrypt_round_trips_through_lark_aes() -> None:
    for plain in ("", "x", "a" * 16, "事件 ✓ " * 50):
        assert AESCipher(fs.ENCRYPT_KEY).decrypt_str(fs.encrypt(plain, fs.ENCRYPT_KEY)) == plain


# -- the Open API --------------------------------------------------------------------------------


def test_real_client_sends_replies_patches_against_fake() -> None:
    with FakeFeishu() as fake:
        client = _client(fake)
        resp = client.im.v1.message.create(_create("u-1"))
        assert resp.success(), (resp.code, resp.msg)
        first = resp.data.message_id
        again = client.im.v1.message.create(_create("u-1"))
        assert again.success() and again.data.message_id == first
        assert len(fake.sent) == 1 and fake.deduped == 1
        assert fake.sent[0]["content"] == {"text": "hi"} and fake.sent[0]["uuid"] == "u-1"

        card = client.im.v1.message.create(
            CreateMessageRequest.builder()
            .receive_id_type("chat_id")
            .request_body(
                CreateMessageRequestBody.builder()
                .receive_id("oc_sales")
                .msg_type("interactive")
                .content(_card("Deal?", "Acme **50k**"))
                .build()
            )
            .build()
        )
        assert card.success(), card.msg
        reply = client.im.v1.message.reply(
            ReplyMessageRequest.builder()
            .message_id(first)
            .request_body(
                ReplyMessageRequestBody.builder()
                .msg_type("text")
                .content(json.dumps({"text": "in thread"}))
                .reply_in_thread(True)
                .uuid("u-2")
                .build()
            )
            .build()
        )
        assert reply.success(), reply.msg
        assert fake.replies[0]["to"] == first and fake.replies[0]["reply_in_thread"] is True
        assert fake.replies[0]["chat_id"] == "oc_sales"

        def patch(message_id: str, content: str) -> Any:
            body = PatchMessageRequestBody.builder().content(content).build()
            req = PatchMessageRequest.builder().message_id(message_id).request_body(body).build()
            return client.im.v1.message.patch(req)

        assert patch(card.data.message_id, _card("Deal?", "Approved")).success()
        assert fake.patches[0]["message_id"] == card.data.message_id
        refused = patch(card.data.message_id, _card("Deal?", "again", shared=False))
        assert refused.code == 230001 and refused.raw.status_code == 400
        assert patch(first, _card("x", "y")).code == 230001  # a text message is not a card

        assert fake.texts() == [
            "hi",
            "Deal?\nAcme **50k**\nApprove",
            "in thread",
            "Deal?\nApproved\nApprove",
        ]
        assert fake.rate("oc_sales") == 3.0
        assert fake.token_fetches == 1  # one token, cached by the SDK, for every call
        calls = [(m, p) for m, p, _ in fake.calls]
        assert calls[0] == ("POST", "/open-apis/auth/v3/tenant_access_token/internal")
        assert ("PATCH", f"/open-apis/im/v1/messages/{card.data.message_id}") in calls


def test_failures_look_like_feishu() -> None:
    with FakeFeishu() as fake:
        client = _client(fake)
        fake.fail_next.append("429")
        resp = client.im.v1.message.create(_create())
        assert resp.code == 99991400 and resp.raw.status_code == 429
        assert resp.raw.headers["x-ogw-ratelimit-reset"] == "1"

        fake.fail_next.append("230020")
        assert client.im.v1.message.create(_create()).code == 230020

        gone = client.im.v1.message.create(_create(chat="oc_gone"))
        assert gone.code == 230002 and gone.raw.status_code == 400

        big = client.im.v1.message.create(
            CreateMessageRequest.builder()
            .receive_id_type("chat_id")
            .request_body(
                CreateMessageRequestBody.builder()
                .receive_id("oc_sales")
                .msg_type("interactive")
                .content(_card("big", "x" * (31 * 1024)))
                .build()
            )
            .build()
        )
        assert big.code == 230025

        fake.fail_next.append("expired")
        expired = client.im.v1.message.create(_create())
        assert expired.code == 99991663 and expired.raw.status_code == 200
        # the SDK keeps its cached token, and that token now always fails
        assert client.im.v1.message.create(_create()).code == 99991663
        assert fake.token_fetches == 1
        assert fake.sent == []


def test_hang_times_out_the_client() -> None:
    with FakeFeishu(hang_seconds=1.0) as fake:
        client = (
            lark.Client.builder()
            .app_id(fs.APP_ID)
            .app_secret(SECRET)
            .domain(fake.url)
            .timeout(0.3)
            .log_level(lark.LogLevel.ERROR)
            .build()
        )
        fake.fail_next.append("hang")
        with pytest.raises(Exception, match="(?i)timed? ?out"):
            client.im.v1.message.create(_create())
        assert client.im.v1.message.create(_create()).success()


def test_contact_and_bot_info() -> None:
    with FakeFeishu() as fake:
        client = _client(fake)
        fake.people["ou_alice"] = {"name": "Alice", "en_name": "Alice", "time_zone": "Europe/Paris"}

        def get(open_id: str) -> Any:
            req = GetUserRequest.builder().user_id(open_id).user_id_type("open_id").build()
            return client.contact.v3.user.get(req)

        alice = get("ou_alice")
        assert alice.success() and alice.data.user.name == "Alice"
        assert alice.data.user.time_zone == "Europe/Paris"
        assert get("ou_bob").data.user.name == "ou_bob"
        fake.contact_denied = True
        denied = get("ou_alice")
        assert denied.code == 99991672 and denied.raw.status_code == 400

        info = client.request(
            lark.BaseRequest.builder()
            .http_method(lark.HttpMethod.GET)
            .uri("/open-apis/bot/v3/info")
            .token_types({lark.AccessTokenType.TENANT})
            .build()
        )
        assert json.loads(info.raw.content)["bot"]["open_id"] == "ou_bot"

        ephemeral = client.request(
            lark.BaseRequest.builder()
            .http_method(lark.HttpMethod.POST)
            .uri("/open-apis/ephemeral/v1/send")
            .token_types({lark.AccessTokenType.TENANT})
            .body(
                {
                    "chat_id": "oc_sales",
                    "open_id": "ou_alice",
                    "msg_type": "interactive",
                    "card": json.loads(_card("Only you", "psst")),
                }
            )
            .build()
        )
        assert ephemeral.code == 0 and fake.ephemeral[0]["open_id"] == "ou_alice"
        assert fake.texts() == ["Only you\npsst\nApprove"]
        assert fake.token_fetches == 1


def test_flatten_post() -> None:
    post = {
        "zh_cn": {
            "title": "Weekly",
            "content": [
                [{"tag": "text", "text": "hi "}, {"tag": "at", "user_id": "ou_x"}],
                [{"tag": "text", "text": "two"}],
            ],
        }
    }
    assert flatten("post", post) == "Weekly\nhi @ou_x\ntwo"


# -- the long connection -------------------------------------------------------------------------


class Recorder(lark.EventDispatcherHandler):
    """A dispatcher that records what the WS client hands it and answers like a card callback."""

    def __init__(self) -> None:
        super().__init__()
        self.payloads: list[dict[str, Any]] = []

    def _do_without_validation(self, payload: bytes) -> Any:
        self.payloads.append(json.loads(payload))
        return {"toast": {"type": "info", "content": "ok"}}


def test_real_ws_client_receives_acks_and_reconnects() -> None:
    """One test for every WS scenario: lark-oapi allows one WS event loop per process."""
    import lark_oapi.ws.client as wsc

    recorder = Recorder()
    errors: list[BaseException] = []
    loop = asyncio.new_event_loop()

    def run(domain: str) -> None:
        # the SDK captured a module-level loop at import; give it one of its own, in this thread
        wsc.loop = loop
        asyncio.set_event_loop(loop)
        client = wsc.Client(
            fs.APP_ID,
            SECRET,
            event_handler=recorder,
            domain=domain,
            log_level=lark.LogLevel.WARNING,
        )
        try:
            client.start()
        except RuntimeError:
            pass  # the loop was stopped under run_until_complete: how the test ends it
        except BaseException as e:  # noqa: BLE001 - surfaced by the assertions below
            errors.append(e)

    with FakeFeishu() as fake, FakeFeishuWs() as ws:
        fake.ws_url = ws.url
        thread = threading.Thread(target=run, args=(fake.url,), daemon=True)
        thread.start()
        try:
            assert ws.wait_connected(1, timeout=15), errors
            assert fake.endpoint_calls == 1
            assert ws.wait_ack("no-such-frame", timeout=0.05) is None

            event = fs.message_event("hello ws", message_id="om_w1")
            frame_id = ws.send(event)
            ack = ws.wait_ack(frame_id)
            assert ack is not None and ack["code"] == 200
            assert ack["data"] == {"toast": {"type": "info", "content": "ok"}}
            assert recorder.payloads[0]["event"]["message"]["message_id"] == "om_w1"

            big = fs.message_event("split " * 200, message_id="om_w2")
            ack = ws.wait_ack(ws.send(big, parts=3))
            assert ack is not None and ack["code"] == 200
            assert recorder.payloads[1] == big

            # the first bootstrap's ClientConfig (no jitter, 1 s interval) now governs reconnects;
            # before it arrives the SDK's defaults apply: up to 30 s jitter, then 120 s apart
            fake.endpoint_down = 1
            ws.drop()
            assert ws.wait_connected(2, timeout=15)
            assert ws.connections == 2 and fake.endpoint_calls == 3
            ack = ws.wait_ack(ws.send(fs.message_event("after drop", message_id="om_w3")))
            assert ack is not None
            assert [p["event"]["message"]["message_id"] for p in recorder.payloads] == [
                "om_w1",
                "om_w2",
                "om_w3",
            ]
            assert ws.pings >= 1  # the SDK pings as soon as it connects; we answered with a pong
            assert not errors
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
        assert not thread.is_alive()
