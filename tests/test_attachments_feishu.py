"""Files and charts sent to Feishu: the real outbox worker, the real FeishuSender and lark-oapi
against the fake Open API (tests/fakes/feishu_api.py): a file is uploaded (im/v1/files,
multipart) and sent as a `file` message with its file_key, a chart as an `interactive` card
with the card's chart element; a failed send retried is still one visible message."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.feishu.chart import chart_card
from adapters.feishu.sender import FeishuSender, uuid_for
from bot.delivery import TargetKind
from bot.events import ReplyHandle
from bot.outcome import Attachment
from tests.attachment_rows import FUNNEL, NOW, dead, drain, keep, put, row, tenant
from tests.fakes.feishu_api import FakeFeishu
from tests.kits import feishu as kit

XLSX = b"PK\x03\x04" + bytes(range(256)) * 4
LATER = NOW + timedelta(hours=1)


@pytest.fixture
def feishu() -> Iterator[FakeFeishu]:
    with kit.fake() as api:
        yield api


def sender(api: FakeFeishu) -> FeishuSender:
    made = kit.sender(api)
    assert isinstance(made, FeishuSender)
    return made


def export(
    sessions, tid: int, key: str = "export", name: str = "dealbot-export.xlsx", **where
) -> int:  # type: ignore[no-untyped-def]
    file_id = keep(sessions, tid, name, XLSX)
    attachment = Attachment(name=name, title="Pipeline export", file_id=file_id)
    where = where or {"to": "ou_alice", "kind": TargetKind.PERSON}
    return put(sessions, tid, key, attachment, platform="feishu", **where)


def test_a_file_is_uploaded_and_sent_and_a_chart_is_a_card(sessions, feishu) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    export(sessions, tid)
    export(sessions, tid, "csv", name="deals.csv", to="oc_sales", kind=TargetKind.CHANNEL)
    chart = Attachment(name="funnel", title="Funnel", chart=FUNNEL)
    put(sessions, tid, "chart", chart, platform="feishu", to="oc_sales", kind=TargetKind.CHANNEL)
    report = drain(sessions, sender(feishu))
    assert report.sent == 3 and dead(report) == []
    sent = {m["uuid"]: m for m in feishu.sent}
    assert len(feishu.sent) == 3
    sheet = sent[uuid_for("export")]
    assert (sheet["receive_id_type"], sheet["receive_id"], sheet["msg_type"]) == (
        "open_id",
        "ou_alice",
        "file",
    )
    uploaded = feishu.uploaded[sheet["content"]["file_key"]]
    assert uploaded == {"file_type": "xls", "file_name": "dealbot-export.xlsx", "data": XLSX}
    csv = sent[uuid_for("csv")]
    assert csv["receive_id"] == "oc_sales" and csv["receive_id_type"] == "chat_id"
    assert feishu.uploaded[csv["content"]["file_key"]]["file_type"] == "stream"
    card = sent[uuid_for("chart")]
    assert card["msg_type"] == "interactive" and card["content"] == chart_card(FUNNEL)
    assert row(sessions, "export").platform_message_id == sheet["message_id"]


def test_a_reply_in_a_thread_and_a_private_one(sessions, feishu) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    feishu.chats["om_asked"] = "oc_sales"
    in_thread = ReplyHandle(conversation="oc_sales", user_id="ou_bob", thread="om_asked")
    export(sessions, tid, "t", to="oc_sales", kind=TargetKind.CHANNEL, reply=in_thread)
    export(sessions, tid, "p", to="oc_sales", kind=TargetKind.EPHEMERAL, reply=in_thread)
    assert drain(sessions, sender(feishu)).sent == 2
    assert [(r["to"], r["msg_type"]) for r in feishu.replies] == [("om_asked", "file")]
    # a file cannot be shown to one person in a group: it goes to their chat with the bot
    assert [(m["receive_id"], m["msg_type"]) for m in feishu.sent] == [("ou_bob", "file")]
    assert feishu.ephemeral == []


@pytest.mark.parametrize("failure", ["500", "429"])
def test_a_failed_send_retried_is_one_message(sessions, feishu, failure) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    export(sessions, tid)
    feishu.fail_next.append(failure)  # the message, after its upload succeeded
    first = drain(sessions, sender(feishu))
    assert first.retried == 1 and feishu.sent == [] and len(feishu.uploaded) == 1
    assert drain(sessions, sender(feishu), at=LATER).sent == 1
    assert drain(sessions, sender(feishu), at=LATER + timedelta(hours=1)).sent == 0
    assert len(feishu.sent) == 1 and feishu.sent[0]["msg_type"] == "file"
    assert feishu.uploaded[feishu.sent[0]["content"]["file_key"]]["data"] == XLSX


def test_a_failed_upload_is_retried(sessions, feishu) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    export(sessions, tid)
    feishu.fail_uploads.append("500")
    assert drain(sessions, sender(feishu)).retried == 1
    assert drain(sessions, sender(feishu), at=LATER).sent == 1
    assert len(feishu.sent) == 1 and len(feishu.uploaded) == 1


def test_a_send_repeated_after_its_answer_was_lost_shows_once(sessions, feishu) -> None:  # type: ignore[no-untyped-def]
    """A crash between Feishu's answer and the row's commit: the row is sent again, uploads
    again, and the message's uuid keeps it to the one message already shown."""
    tid = tenant(sessions)
    export(sessions, tid)
    drain(sessions, sender(feishu))
    with sessions.begin() as s:
        from storage.transit import OutboxItem

        s.query(OutboxItem).update({"status": "pending", "sent_at": None})
    assert drain(sessions, sender(feishu), at=LATER).sent == 1
    assert len(feishu.sent) == 1 and feishu.deduped == 1 and len(feishu.uploaded) == 2


def test_a_file_pruned_before_sending_is_dead_lettered(sessions, feishu) -> None:  # type: ignore[no-untyped-def]
    from storage.files import StoredFile

    tid = tenant(sessions)
    export(sessions, tid)
    with sessions.begin() as s:
        s.execute(StoredFile.__table__.delete())
    report = drain(sessions, sender(feishu))
    assert len(dead(report)) == 1 and "gone from the store" in dead(report)[0][1]
    assert feishu.uploaded == {} and feishu.sent == []
