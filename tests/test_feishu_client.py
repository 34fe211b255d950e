"""The Feishu sender through the real lark-oapi client against a local fake of the Open API:
idempotent sends, rate limits, token expiry, card updates, private cards and pacing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from adapters.feishu.client import Api, build
from adapters.feishu.config import FeishuSection
from adapters.feishu.sender import FeishuSender, uuid_for
from bot import outbox
from bot.delivery import Address, Delivery, RetryLater, TargetKind, Undeliverable
from bot.events import ReplyHandle
from bot.outbox import OutboxPolicy
from bot.outcome import Button, Card, Message
from bot.sending import Worker
from storage.models import Tenant
from storage.transit import OutboxItem
from tests.fakes.feishu_api import FakeFeishu, forget_sdk_tokens

APP = "cli_client_test"


@pytest.fixture
def fake() -> Iterator[FakeFeishu]:
    forget_sdk_tokens(APP)  # lark-oapi caches tokens per process, by app id
    with FakeFeishu(app_id=APP) as api:
        yield api


def sender(fake: FakeFeishu, min_interval: float = 0) -> FeishuSender:
    section = FeishuSection.model_validate(
        {"app_id": APP, "app_secret": fake.app_secret, "mode": "websocket", "domain": fake.url}
    )
    return FeishuSender(Api(build(section, timeout=1), APP), min_interval=min_interval)


CARD = Card(
    key="req:1",
    title="需求 R1 待确认",
    body="支持私有化部署",
    buttons=(Button(id="req.confirm:1", label="确认", style="primary"),),
)


def delivery(
    kind: TargetKind = TargetKind.PERSON,
    *,
    target: str = "ou_alice",
    key: str = "push:1",
    message: Message | None = None,
    reply: ReplyHandle | None = None,
) -> Delivery:
    return Delivery(
        id=1,
        tenant_id=1,
        dedup_key=key,
        platform="feishu",
        kind=kind,
        target_id=target,
        target_name="小李",
        message=message or Message(text="跟进提醒：华为"),
        reply=reply,
        clicked_by="\x02ou_wang\x1f王经理\x03",
        clicked_at="2026-12-01T09:00:00+08:00",
    )


def test_the_dedup_key_is_the_uuid_so_a_resend_after_a_crash_shows_once(fake: FakeFeishu) -> None:
    s = sender(fake)
    first = s.send(delivery(key="reminder:task:7:2026-12-01"))
    again = s.send(delivery(key="reminder:task:7:2026-12-01"))  # the commit was lost: sent again
    assert first == again and len(fake.sent) == 1 and fake.deduped == 1
    assert fake.sent[0]["uuid"] == uuid_for("reminder:task:7:2026-12-01")
    assert len(fake.sent[0]["uuid"]) <= 50
    assert fake.sent[0]["receive_id_type"] == "open_id" and fake.sent[0]["msg_type"] == "post"
    s.send(delivery(key="reminder:task:8:2026-12-01"))
    assert len(fake.sent) == 2  # another key is another message


@pytest.mark.parametrize(("failure", "after"), [("429", 1.0), ("230020", 1.0), ("500", None)])
def test_limits_and_outages_are_retried_later(
    fake: FakeFeishu, failure: str, after: float | None
) -> None:
    fake.fail_next = [failure]
    with pytest.raises(RetryLater) as e:
        sender(fake).send(delivery())
    assert e.value.after == after
    assert sender(fake).send(delivery())  # and then it goes through
    assert len(fake.sent) == 1


def test_an_expired_token_is_refetched_and_the_call_made_once_more(fake: FakeFeishu) -> None:
    s = sender(fake)
    s.send(delivery(key="a"))
    fetched = fake.token_fetches
    fake.fail_next = ["expired"]
    assert s.send(delivery(key="b"))
    assert fake.token_fetches == fetched + 1 and len(fake.sent) == 2
    # only once: a second expiry in the same send is left to the outbox's retry
    fake.fail_next = ["expired", "expired"]
    with pytest.raises(RetryLater):
        s.send(delivery(key="c"))
    assert s.send(delivery(key="c")) and len(fake.sent) == 3


def test_unreachable_people_and_chats_are_undeliverable(fake: FakeFeishu) -> None:
    with pytest.raises(Undeliverable):
        sender(fake).send(delivery(target="ou_gone"))
    with pytest.raises(Undeliverable):
        sender(fake).send(delivery(TargetKind.CHANNEL, target="oc_gone"))


def test_a_hung_api_is_retried_later_not_waited_on(fake: FakeFeishu) -> None:
    fake.fail_next = ["hang"]
    started = time.monotonic()
    with pytest.raises(RetryLater):
        sender(fake).send(delivery())
    assert time.monotonic() - started < 5


def test_a_card_update_patches_the_card_and_an_old_one_is_sent_anew(fake: FakeFeishu) -> None:
    s = sender(fake)
    card_id = s.send(delivery(TargetKind.CHANNEL, target="oc_sales", message=Message(card=CARD)))
    update = Message(card=Card(key="req:1", title="需求 R1 已确认", body="支持私有化部署"))
    handle = ReplyHandle(conversation="oc_sales", user_id="ou_wang", card_message=card_id)
    assert s.send(delivery(TargetKind.UPDATE, message=update, reply=handle)) == card_id
    patch = fake.patches[-1]
    assert patch["message_id"] == card_id and patch["content"]["config"]["update_multi"] is True
    shown = str(patch["content"])
    assert "<at id=ou_wang></at>" in shown and "local_datetime" in shown  # who clicked, when
    # a card Feishu will not patch (here: one it never sent) is shown again as a new message
    stale = ReplyHandle(conversation="oc_sales", user_id="ou_wang", card_message="om_unknown")
    sent = len(fake.sent)
    s.send(delivery(TargetKind.UPDATE, key="update:2", message=update, reply=stale))
    assert len(fake.sent) == sent + 1 and fake.sent[-1]["receive_id"] == "oc_sales"


def test_a_private_answer_is_a_card_only_its_writer_sees_or_else_a_reply(fake: FakeFeishu) -> None:
    s = sender(fake)
    asked = s.send(delivery(TargetKind.CHANNEL, target="oc_sales"))  # a message to answer
    group = ReplyHandle(conversation="oc_sales", user_id="ou_alice", thread=asked)
    s.send(
        delivery(
            TargetKind.EPHEMERAL,
            key="private:1",
            reply=group,
            message=Message(text="你的销售漏斗：共1个进行中的商机"),
        )
    )
    assert fake.ephemeral[-1]["chat_id"] == "oc_sales"
    assert fake.ephemeral[-1]["open_id"] == "ou_alice"
    assert "销售漏斗" in str(fake.ephemeral[-1]["card"])
    # where Feishu refuses private cards, an ordinary reply to the message says it
    fake.chats[asked] = "oc_p2p_topic"
    topic = ReplyHandle(conversation="oc_p2p_topic", user_id="ou_alice", thread=asked)
    s.send(
        delivery(
            TargetKind.EPHEMERAL,
            key="private:2",
            reply=topic,
            message=Message(text="没有找到客户“华为”"),
        )
    )
    assert fake.replies[-1]["to"] == asked and "没有找到客户" in str(fake.replies[-1]["content"])


def test_twenty_pushes_to_one_chat_keep_to_five_a_second_and_none_is_lost(
    sessions,  # type: ignore[no-untyped-def]
    fake: FakeFeishu,
) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as s:
        tenant = Tenant(name="t", created_at=now)
        s.add(tenant)
        s.flush()
        to = Address(person_id=None, platform="feishu", user_id="oc_busy", name="销售群")
        for i in range(20):
            outbox.enqueue(
                s,
                tenant_id=tenant.id,
                dedup_key=f"busy:{i}",
                to=to,
                now=now,
                kind=TargetKind.CHANNEL,
                message=Message(text=f"提醒 {i}"),
            )
    worker = Worker(
        sessions=sessions,
        senders={"feishu": sender(fake, min_interval=0.2)},
        name="w1",
        clock=lambda: datetime.now(UTC),
        policy=OutboxPolicy(base_backoff=0.05, max_backoff=0.2),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        worker.drain_paced(max_wait=1.0, sleep=time.sleep)
        with sessions() as s:
            if not s.scalar(select(func.count()).where(OutboxItem.status != "sent")):
                break
    assert len(fake.sent) == 20
    assert len({m["uuid"] for m in fake.sent}) == 20
    assert fake.rate("oc_busy") <= 5
