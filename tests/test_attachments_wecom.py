"""Files and charts sent on WeCom: the real outbox worker, the real WecomSender and its httpx
client against the fake server API (tests/fakes/wecom_api.py). A file is uploaded with
media/upload (type=file, multipart "media") and sent as a `file` message, a chart as a PNG
uploaded as an image and sent as an `image` message, both through the self-built app. Asked for
in a group (the AI bot's reply), the attachment goes to the person through the app, since the
AI bot cannot send one there; when the app cannot reach them, the group is told in words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from adapters.wecom.reply import Address, encode
from adapters.wecom.sender import WecomSender
from bot.delivery import TargetKind
from bot.events import ReplyHandle
from bot.outcome import Attachment
from tests.attachment_rows import FUNNEL, NOW, dead, drain, keep, put, row, tenant
from tests.fakes.wecom_api import FakeWecom
from tests.kits import wecom as kit

XLSX = b"PK\x03\x04" + bytes(range(256)) * 4
LATER = NOW + timedelta(hours=1)


@pytest.fixture
def wecom() -> Iterator[FakeWecom]:
    with kit.fake() as api:
        yield api


def sender(api: FakeWecom) -> WecomSender:
    made = kit.sender(api)
    assert isinstance(made, WecomSender)
    return made


def export(sessions, tid: int, key: str = "export", **where) -> int:  # type: ignore[no-untyped-def]
    file_id = keep(sessions, tid, "销售导出.xlsx", XLSX)
    attachment = Attachment(name="销售导出.xlsx", title="导出", file_id=file_id)
    where = where or {"to": "lisi", "kind": TargetKind.PERSON}
    return put(sessions, tid, key, attachment, platform="wecom", **where)


def chart(sessions, tid: int, key: str = "chart", **where) -> int:  # type: ignore[no-untyped-def]
    attachment = Attachment(name="funnel", title="Funnel", chart=FUNNEL)
    where = where or {"to": "lisi", "kind": TargetKind.PERSON}
    return put(sessions, tid, key, attachment, platform="wecom", **where)


def in_group(api: FakeWecom, user: str = "lisi") -> ReplyHandle:
    """A question to the AI bot in a group, answered through its HTTP callback's address."""
    return ReplyHandle(
        conversation="wrgroup1", user_id=user, token=encode(Address(api.response_url()))
    )


def test_a_file_and_a_chart_are_uploaded_and_sent_to_the_person(sessions, wecom) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    export(sessions, tid)
    chart(sessions, tid)
    report = drain(sessions, sender(wecom))
    assert report.sent == 2 and dead(report) == []
    assert [(m["touser"], m["msgtype"]) for m in wecom.sent] == [
        ("lisi", "file"),
        ("lisi", "image"),
    ]
    sheet = wecom.uploads[wecom.sent[0]["content"]["media_id"]]
    assert sheet == {"type": "file", "filename": "销售导出.xlsx", "data": XLSX}
    picture = wecom.uploads[wecom.sent[1]["content"]["media_id"]]
    assert picture["type"] == "image" and picture["filename"] == "funnel.png"
    assert picture["data"].startswith(b"\x89PNG")
    assert row(sessions, "export").platform_message_id == wecom.sent[0]["msgid"]


def test_asked_in_a_group_it_goes_to_the_person_through_the_app(sessions, wecom) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    export(sessions, tid, to="wrgroup1", kind=TargetKind.CHANNEL, reply=in_group(wecom))
    assert drain(sessions, sender(wecom)).sent == 1
    assert [(m["touser"], m["msgtype"]) for m in wecom.sent] == [("lisi", "file")]
    assert wecom.responses == {}  # nothing said in the group


def test_when_the_app_cannot_reach_them_the_group_is_told_in_words(sessions, wecom) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    now = datetime.now(UTC)  # the reply address lasts an hour from when it was asked
    handle = in_group(wecom, "gone")
    chart(sessions, tid, to="wrgroup1", kind=TargetKind.CHANNEL, reply=handle, at=now)
    assert drain(sessions, sender(wecom), at=now).sent == 1
    assert wecom.sent == []
    said = [b["markdown"]["content"] for bodies in wecom.responses.values() for b in bodies]
    assert len(said) == 1 and "“Funnel” can't be shown in this chat" in said[0]


def test_a_group_push_cannot_carry_a_file(sessions, wecom) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    export(sessions, tid, to="wrgroup1", kind=TargetKind.CHANNEL)
    report = drain(sessions, sender(wecom))
    assert [reason for _, reason in dead(report)] == [
        "wecom: a file or a picture cannot be posted to a group"
    ]
    assert wecom.uploads == {}


@pytest.mark.parametrize("failure", ["500", "45009"])
def test_a_failed_send_retried_is_one_message(sessions, wecom, failure) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    export(sessions, tid)
    wecom.fail_next.append(failure)  # message/send, after its upload succeeded
    assert drain(sessions, sender(wecom)).retried == 1
    assert wecom.sent == [] and len(wecom.uploads) == 1
    assert drain(sessions, sender(wecom), at=LATER).sent == 1
    assert drain(sessions, sender(wecom), at=LATER + timedelta(hours=1)).sent == 0
    assert len(wecom.sent) == 1 and wecom.sent[0]["msgtype"] == "file"
    assert wecom.uploads[wecom.sent[0]["content"]["media_id"]]["data"] == XLSX


def test_a_failed_upload_is_retried(sessions, wecom) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    chart(sessions, tid)
    wecom.fail_uploads.append("45009")
    assert drain(sessions, sender(wecom)).retried == 1
    assert drain(sessions, sender(wecom), at=LATER).sent == 1
    assert [m["msgtype"] for m in wecom.sent] == ["image"]


def test_a_file_pruned_before_sending_is_dead_lettered(sessions, wecom) -> None:  # type: ignore[no-untyped-def]
    from storage.files import StoredFile

    tid = tenant(sessions)
    export(sessions, tid)
    with sessions.begin() as s:
        s.execute(StoredFile.__table__.delete())
    report = drain(sessions, sender(wecom))
    assert len(dead(report)) == 1 and "gone from the store" in dead(report)[0][1]
    assert wecom.uploads == {} and wecom.sent == []
