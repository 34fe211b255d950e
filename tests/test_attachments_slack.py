"""Files and charts sent to Slack: the real outbox worker, the real SlackSender and slack_sdk's
files_upload_v2 against the fake Web API (tests/fakes/slack_api.py), which runs the three
steps (getUploadURLExternal, the POST of the bytes, completeUploadExternal) and counts each
file share a person sees."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.slack.sender import SlackSender
from bot.delivery import TargetKind
from bot.events import ReplyHandle
from bot.outcome import Attachment
from tests.attachment_rows import FUNNEL, NOW, dead, drain, keep, put, row, tenant
from tests.fakes.slack_api import FakeSlack

XLSX = b"PK\x03\x04" + bytes(range(256)) * 4  # not text: the bytes must arrive as they are
LATER = NOW + timedelta(hours=1)  # past any backoff


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as api:
        yield api


def sender(api: FakeSlack) -> SlackSender:
    return SlackSender(token="xoxb-test", base_url=api.url, timeout=2, min_interval=0)


def export(sessions, tid: int, key: str = "export", **where) -> int:  # type: ignore[no-untyped-def]
    file_id = keep(sessions, tid, "dealbot-export.xlsx", XLSX)
    attachment = Attachment(name="dealbot-export.xlsx", title="Pipeline export", file_id=file_id)
    where = where or {"to": "U1", "kind": TargetKind.PERSON}
    return put(sessions, tid, key, attachment, platform="slack", **where)


def test_a_file_goes_to_the_persons_dm_and_a_chart_into_the_thread(sessions, slack) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    export(sessions, tid)
    in_thread = ReplyHandle(conversation="C1", user_id="U1", thread="171.0001")
    chart = Attachment(name="funnel", title="Funnel", chart=FUNNEL)
    put(
        sessions,
        tid,
        "chart",
        chart,
        platform="slack",
        to="C1",
        kind=TargetKind.CHANNEL,
        reply=in_thread,
    )
    report = drain(sessions, sender(slack))
    assert report.sent == 2 and dead(report) == []
    shares = {s["filename"]: s for s in slack.shared}
    assert len(slack.shared) == 2
    sheet = shares["dealbot-export.xlsx"]
    assert (sheet["channel"], sheet["title"], sheet["data"]) == ("DU1", "Pipeline export", XLSX)
    assert sheet["thread_ts"] is None and sheet["alt_txt"] is None
    picture = shares["funnel.png"]
    assert picture["channel"] == "C1" and picture["thread_ts"] == "171.0001"
    assert picture["data"].startswith(b"\x89PNG") and picture["alt_txt"] == "Funnel"
    assert ("conversations.open", {"users": "U1"}) in slack.calls
    assert row(sessions, "export").platform_message_id == f"DU1:{sheet['file_id']}"
    assert slack.posted == []  # a file share, no chat.postMessage


def test_a_private_reply_cannot_be_a_private_file_so_it_goes_to_the_dm(sessions, slack) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    handle = ReplyHandle(conversation="C1", user_id="U7", token=f"{slack.base}/response/x")
    export(sessions, tid, to="C1", kind=TargetKind.EPHEMERAL, reply=handle)
    assert drain(sessions, sender(slack)).sent == 1
    assert [s["channel"] for s in slack.shared] == ["DU7"]
    assert slack.responses == {} and slack.ephemeral == []


def test_a_reply_in_a_channel_the_bot_is_not_in_goes_to_the_persons_dm(sessions, slack) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    handle = ReplyHandle(conversation="COUT1", user_id="U7")
    export(sessions, tid, to="COUT1", kind=TargetKind.CHANNEL, reply=handle)
    assert drain(sessions, sender(slack)).sent == 1
    assert [s["channel"] for s in slack.shared] == ["DU7"]


@pytest.mark.parametrize("failure", ["500", "429"])
def test_a_failed_last_step_retried_shares_the_file_once(sessions, slack, failure) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    export(sessions, tid)
    slack.fail_method["files.completeUploadExternal"] = [failure]
    first = drain(sessions, sender(slack))
    assert first.sent == 0 and first.retried == 1
    assert slack.shared == []  # uploaded, never shared: nobody saw it
    again = drain(sessions, sender(slack), at=LATER)
    assert again.sent == 1
    assert len(slack.shared) == 1 and slack.shared[0]["data"] == XLSX
    assert drain(sessions, sender(slack), at=LATER + timedelta(hours=1)).sent == 0
    assert len(slack.shared) == 1
    assert row(sessions, "export").status == "sent"


def test_a_failed_upload_post_is_retried(sessions, slack) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    export(sessions, tid)
    receive = slack.receive
    fails = ["500"]

    def once(file_id: str, data: bytes) -> int:
        return 500 if fails and fails.pop() else receive(file_id, data)

    slack.receive = once  # type: ignore[method-assign]
    assert drain(sessions, sender(slack)).retried == 1
    assert drain(sessions, sender(slack), at=LATER).sent == 1
    assert len(slack.shared) == 1


def test_a_channel_that_is_gone_is_dead_lettered(sessions, slack) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    chart = Attachment(name="funnel", title="Funnel", chart=FUNNEL)
    put(sessions, tid, "c", chart, platform="slack", to="CGONE", kind=TargetKind.CHANNEL)
    report = drain(sessions, sender(slack))
    assert [reason for _, reason in dead(report)] == ["slack: channel_not_found"]


def test_a_file_pruned_before_sending_is_dead_lettered(sessions, slack) -> None:  # type: ignore[no-untyped-def]
    from storage.files import StoredFile

    tid = tenant(sessions)
    export(sessions, tid)
    with sessions.begin() as s:
        s.execute(StoredFile.__table__.delete())
    report = drain(sessions, sender(slack))
    assert len(dead(report)) == 1 and "gone from the store" in dead(report)[0][1]
    assert slack.uploads == {} and slack.shared == []
    assert row(sessions, "export").status == "dead"
