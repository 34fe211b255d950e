"""The WeCom client and sender against a local fake of the WeCom API: one token for many
threads, refreshed once when refused, busy answers later, long texts in parts, the duplicate
check, card updates, and the per-member pace through the real outbox worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from adapters.wecom.client import Api
from adapters.wecom.config import WecomSection
from adapters.wecom.sender import DUPLICATE_WINDOW, WecomSender
from bot import outbox
from bot.delivery import Address, Delivery, RetryLater, TargetKind, Undeliverable
from bot.events import ReplyHandle
from bot.outbox import OutboxPolicy
from bot.outcome import Button, Card, Message
from bot.sending import Worker
from storage.models import Tenant
from storage.transit import OutboxItem
from tests.fakes import wecom_signing as signing
from tests.fakes.wecom_api import FakeWecom


@pytest.fixture
def fake() -> Iterator[FakeWecom]:
    with FakeWecom(corp_id=signing.CORP, agent_id=signing.AGENT) as api:
        yield api


def section(fake: FakeWecom) -> WecomSection:
    return WecomSection.model_validate(
        {
            "corp_id": signing.CORP,
            "agent_id": signing.AGENT,
            "secret": fake.secret,
            "token": signing.TOKEN,
            "encoding_aes_key": signing.AES_KEY,
            "api_base_url": fake.url,
        }
    )


def sender(fake: FakeWecom, min_interval: float = 0) -> WecomSender:
    return WecomSender(Api(section(fake), timeout=1), min_interval=min_interval)


def push(
    text: str = "跟进提醒：华为 T3",
    *,
    key: str = "push:1",
    to: str = "lisi",
    kind: TargetKind = TargetKind.PERSON,
    message: Message | None = None,
    reply: ReplyHandle | None = None,
) -> Delivery:
    return Delivery(
        id=1,
        tenant_id=1,
        dedup_key=key,
        platform="wecom",
        kind=kind,
        target_id=to,
        target_name="小李",
        message=message or Message(text=text),
        reply=reply,
        clicked_by="\x02wangjl\x1f王经理\x03",
        clicked_at="2026-12-01T09:00:00+08:00",
    )


def test_eight_threads_starting_cold_fetch_one_token(fake: FakeWecom) -> None:
    fake.token_delay = 0.5
    api = Api(section(fake), timeout=5)
    barrier = threading.Barrier(8)
    tokens: list[str] = []

    def first() -> None:
        barrier.wait()
        tokens.append(api.token())

    threads = [threading.Thread(target=first) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake.token_fetches == 1 and len(set(tokens)) == 1


@pytest.mark.parametrize("refusal", ["40014", "42001", "42009"])
def test_a_refused_token_is_fetched_again_once(fake: FakeWecom, refusal: str) -> None:
    s = sender(fake)
    s.send(push(key="a"))
    fetched = fake.token_fetches
    fake.fail_next = [refusal]
    assert s.send(push("第二条", key="b"))
    assert fake.token_fetches == fetched + 1 and len(fake.sent) == 2
    fake.fail_next = [refusal, refusal]  # refused again at once: left to the outbox
    with pytest.raises(RetryLater):
        s.send(push("第三条", key="c"))


@pytest.mark.parametrize("busy", ["45009", "-1", "500"])
def test_busy_answers_are_retried_later_and_nothing_else_is_retried(
    fake: FakeWecom, busy: str
) -> None:
    fake.fail_next = [busy]
    fetched = fake.token_fetches
    with pytest.raises(RetryLater):
        sender(fake).send(push())
    assert fake.token_fetches <= fetched + 1  # a busy answer is not a token problem
    with pytest.raises(Undeliverable):
        sender(fake).send(push(to="gone"))


def test_three_kilobytes_of_chinese_go_out_in_parts_cut_between_characters(
    fake: FakeWecom,
) -> None:
    text = "\n".join(
        f"第{n}行：客户关注交付周期、私有化部署和国产数据库的适配情况。" for n in range(40)
    )
    assert len(text.encode()) > 3000
    sender(fake).send(push(text))
    parts = [m["content"]["content"] for m in fake.sent]
    assert len(parts) >= 2 and all(len(p.encode()) <= 2048 for p in parts)
    assert "\n".join(parts) == text  # cut at line ends: nothing lost, no character split
    assert fake.truncated == 0


def test_a_send_repeated_after_a_crash_shows_once(fake: FakeWecom) -> None:
    s = sender(fake)
    first = s.send(push(key="reminder:task:3:2026-12-01"))
    again = s.send(push(key="reminder:task:3:2026-12-01"))  # the commit was lost: sent again
    assert len(fake.sent) == 1 and fake.duplicates == 1 and first == again
    request = next(body for method, path, body in fake.calls if path.endswith("message/send"))
    # the policy: a window long enough for a crash and a retry, far shorter than any reminder
    # repeated on purpose (the next working day)
    assert request["duplicate_check_interval"] == DUPLICATE_WINDOW == 600


CARD = Card(
    key="req:1",
    title="需求 R1 · 华为",
    body="支持私有化部署",
    fields=(("状态", "待确认"),),
    buttons=(
        Button(id="req.confirm:1:1", label="确认", style="primary"),
        Button(id="req.change:1:1", label="要求修改"),
    ),
)


def test_a_card_goes_out_once_even_if_sent_again(fake: FakeWecom) -> None:
    s = sender(fake)
    s.send(push(key="card:1", message=Message(card=CARD)))
    s.send(push(key="card:1", message=Message(card=CARD)))
    assert sum(m["msgtype"] == "template_card" for m in fake.sent) == 1


def test_a_click_updates_the_card_once_then_a_stale_one_comes_anew(fake: FakeWecom) -> None:
    s = sender(fake)
    s.send(push(key="card:2", message=Message(card=CARD)))
    sent = fake.sent[-1]
    handle = ReplyHandle(
        conversation="lisi",
        user_id="lisi",
        token=f"rc:{sent['response_code']}",
        card_message=sent["content"]["task_id"],
    )
    s.send(push(key="upd:1", kind=TargetKind.UPDATE, message=Message(card=CARD), reply=handle))
    assert fake.updates[-1]["template_card"]["quote_area"]["quote_text"].startswith("@王经理")
    before = len(fake.sent)
    s.send(push(key="upd:2", kind=TargetKind.UPDATE, message=Message(card=CARD), reply=handle))
    assert len(fake.updates) == 1 and len(fake.sent) == before + 1  # the code was spent


def test_forty_pushes_to_one_member_are_paced_and_none_is_dropped(
    sessions, fake: FakeWecom
) -> None:  # type: ignore[no-untyped-def]
    # WeCom drops what a member gets past 30 a minute; here the window is a twentieth as long,
    # so the pace is 0.1 s instead of 2 s: the same rule, twenty times faster
    fake.per_minute, fake.minute = 30, 3.0
    now = datetime.now(UTC)
    with sessions.begin() as s:
        tenant = Tenant(name="t", created_at=now)
        s.add(tenant)
        s.flush()
        to = Address(person_id=None, platform="wecom", user_id="lisi", name="小李")
        for i in range(40):
            outbox.enqueue(
                s,
                tenant_id=tenant.id,
                dedup_key=f"busy:{i}",
                to=to,
                now=now,
                message=Message(text=f"提醒 {i}"),
            )
    worker = Worker(
        sessions=sessions,
        senders={"wecom": sender(fake, min_interval=0.1)},
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
    assert len(fake.sent) == 40 and fake.dropped == 0


def test_an_ai_bot_answer_whose_reply_address_is_dead_goes_to_the_person_after_two_tries(
    fake: FakeWecom,
) -> None:
    import socket
    from dataclasses import replace

    with socket.socket() as s:  # a closed port: an address that no longer answers
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/cgi-bin/aibot/response?response_code=x"
    answer = replace(
        push(
            "已记录：华为 电话",
            key="reply:1",
            to="group1",
            kind=TargetKind.CHANNEL,
            reply=ReplyHandle(conversation="group1", user_id="lisi", token=f"url:{dead}"),
        ),
        queued_at=datetime.now(UTC),
    )
    wecom = sender(fake)
    for attempt in (1, 2):
        with pytest.raises(RetryLater):
            wecom.send(replace(answer, attempts=attempt))
    assert fake.sent == []
    wecom.send(replace(answer, attempts=3))
    assert [m["touser"] for m in fake.sent] == ["lisi"]
    # an address past its hour is not tried at all
    wecom.send(
        replace(
            answer,
            dedup_key="reply:2",
            attempts=1,
            message=Message(text="已记录：腾讯"),
            queued_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
        )
    )
    assert [m["touser"] for m in fake.sent] == ["lisi", "lisi"]
