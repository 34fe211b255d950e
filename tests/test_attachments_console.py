"""Attachments on the console: through the real outbox worker and the console's sender, a chart
is written as a PNG and a stored file as itself into the files folder, each printed as its label
and path beside the usual `→ #sales:` / `→ @alice:` prefix; a chart that cannot be drawn is said
so; a file pruned before its turn is dead-lettered with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.console import files
from adapters.console.sender import ConsoleSender
from bot import charts
from bot.delivery import TargetKind
from bot.events import ReplyHandle
from bot.outcome import Attachment, Chart
from storage import files as stored
from tests import attachment_rows
from tests.attachment_rows import FUNNEL, keep, row, tenant


def put(sessions, tid: int, key: str, attachment: Attachment, **where) -> int:  # type: ignore[no-untyped-def]
    return attachment_rows.put(sessions, tid, key, attachment, platform="console", **where)


def drain(sessions, folder: Path) -> tuple[list[str], list]:  # type: ignore[no-untyped-def]
    said: list[str] = []
    report = attachment_rows.drain(sessions, ConsoleSender(said.append, folder=folder))
    return said, attachment_rows.dead(report)


def test_a_chart_and_a_file_are_written_and_their_paths_printed(sessions, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    chart_row = put(
        sessions,
        tid,
        "chart",
        Attachment(name="funnel", title="Funnel", chart=FUNNEL),
        to="sales",
        kind=TargetKind.CHANNEL,
    )
    data = b"PK\x03\x04 an xlsx"
    file_id = keep(sessions, tid, "export.xlsx", data)
    file_row = put(
        sessions,
        tid,
        "file",
        Attachment(name="export.xlsx", title="Pipeline export", file_id=file_id),
        to="alice",
        kind=TargetKind.PERSON,
    )
    said, dead = drain(sessions, tmp_path / "dealbot-files")
    assert dead == []
    png = tmp_path / "dealbot-files" / f"funnel-{chart_row}.png"
    xlsx = tmp_path / "dealbot-files" / f"export-{file_row}.xlsx"
    assert said == [
        f"→ #sales: [chart: Funnel] {files.shown(png)}",
        f"→ @alice: [file: Pipeline export] {files.shown(xlsx)}",
    ]
    assert png.read_bytes().startswith(b"\x89PNG")
    assert xlsx.read_bytes() == data


def test_replies_keep_their_prefixes(sessions, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    handle = ReplyHandle(conversation="sales", user_id="alice")
    chart = Attachment(name="funnel.png", title="漏斗", chart=FUNNEL)
    row = put(sessions, tid, "c", chart, to="sales", kind=TargetKind.CHANNEL, reply=handle)
    private = put(sessions, tid, "p", chart, to="alice", kind=TargetKind.EPHEMERAL, reply=handle)
    said, _ = drain(sessions, tmp_path)
    assert said == [
        f"dealbot: [chart: 漏斗] {files.shown(tmp_path / f'funnel-{row}.png')}",
        f"dealbot → @alice only: [chart: 漏斗] {files.shown(tmp_path / f'funnel-{private}.png')}",
    ]


def test_a_chart_that_cannot_be_drawn_is_said_so(sessions, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(chart: Chart) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(charts, "png", broken)
    tid = tenant(sessions)
    zh = Chart(kind="funnel", title="漏斗", labels=(), series=(), locale="zh_CN")
    put(
        sessions,
        tid,
        "c",
        Attachment(name="funnel", title="Funnel", chart=FUNNEL),
        to="sales",
        kind=TargetKind.CHANNEL,
    )
    put(
        sessions,
        tid,
        "z",
        Attachment(name="funnel", title="漏斗", chart=zh),
        to="sales",
        kind=TargetKind.CHANNEL,
    )
    said, dead = drain(sessions, tmp_path / "files")
    assert dead == []
    assert said == [
        "→ #sales: [chart: Funnel] (the chart could not be drawn: RuntimeError: no fonts)",
        "→ #sales: [图表：漏斗] （图表无法绘制：RuntimeError: no fonts）",
    ]
    assert not (tmp_path / "files").exists()


def test_a_file_pruned_before_its_turn_is_dead_lettered(sessions, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    file_id = keep(sessions, tid, "export.xlsx", b"x")
    put(
        sessions,
        tid,
        "gone",
        Attachment(name="export.xlsx", file_id=file_id),
        to="alice",
        kind=TargetKind.PERSON,
    )
    with sessions.begin() as s:
        s.execute(stored.StoredFile.__table__.delete())
    said, dead = drain(sessions, tmp_path)
    assert said == []
    assert len(dead) == 1 and "gone from the store" in dead[0][1]
    gone = row(sessions, "gone")
    assert gone.status == "dead" and "pruned" in (gone.last_error or "")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////var/lib/dealbot/deals.db", Path("/var/lib/dealbot/dealbot-files")),
        ("sqlite:///dealbot.db", Path("dealbot-files")),
        ("postgresql+psycopg://u:p@db/dealbot", Path("dealbot-files")),
        ("sqlite://", Path("dealbot-files")),
    ],
)
def test_the_folder_sits_beside_the_sqlite_file(url: str, expected: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(files.FOLDER_ENV, raising=False)
    assert files.folder(url) == expected
    monkeypatch.setenv(files.FOLDER_ENV, "/tmp/elsewhere")
    assert files.folder(url) == Path("/tmp/elsewhere")


def test_file_names_are_safe_and_per_row() -> None:
    assert files.file_name(12, "funnel.png") == "funnel-12.png"
    assert files.file_name(3, "../../etc/passwd") == "passwd-3"
    assert files.file_name(4, "销售 漏斗.xlsx") == "销售-漏斗-4.xlsx"
    assert files.file_name(5, ".png") == "png-5"
