"""Files sent to the bot, before the import reads them: which are fetched (bot/uploads.py), how a
download stops past the limit (adapters/download.py, against a local HTTP server), and what
each platform's edge lets into the inbox."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters import download
from adapters.edge import Refused, Step
from adapters.feishu import edge as feishu_edge
from adapters.slack import edge as slack_edge
from adapters.wecom import edge as wecom_edge
from bot import uploads

LIMIT = uploads.MAX_BYTES


def test_only_spreadsheets_within_the_limit_are_fetched() -> None:
    assert uploads.refusal("客户.xlsx", 1000) == ""
    assert uploads.refusal("CUSTOMERS.CSV", None) == ""  # no size stated: fetched, and counted
    assert uploads.refusal("big.csv", LIMIT + 1) == uploads.TOO_LARGE
    assert uploads.refusal("photo.png", 10) == uploads.NOT_A_SPREADSHEET
    assert uploads.refusal("video.mp4", 300 * 1024 * 1024) == uploads.NOT_A_SPREADSHEET
    assert uploads.refusal("", 10) == uploads.NOT_A_SPREADSHEET


class _Served:
    """A file server: /file answers `body` with `headers`, /chunked without a length."""

    def __init__(self, body: bytes, headers: dict[str, str]) -> None:
        self.sent = 0
        served = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                for k, v in headers.items():
                    self.send_header(k, v)
                chunked = self.path == "/chunked"
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for at in range(0, len(body), 65536):
                        piece = body[at : at + 65536]
                        if chunked:
                            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                        else:
                            self.wfile.write(piece)
                        served.sent += len(piece)
                    if chunked:
                        self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def served() -> Iterator[Any]:
    made: list[_Served] = []

    def serve(body: bytes, headers: dict[str, str] | None = None) -> _Served:
        made.append(_Served(body, headers or {}))
        return made[-1]

    yield serve
    for s in made:
        s.server.shutdown()
        s.server.server_close()


def test_a_download_stops_past_the_limit_and_names_the_file(served: Any) -> None:
    head = {"Content-Disposition": "attachment; filename*=UTF-8''%E5%AE%A2%E6%88%B7.csv"}
    small = served(b"Customer\nAcme\n", head)
    with httpx.Client() as http:
        got = download.stream(http, small.url + "/file", limit=LIMIT)
        assert (got.data, got.name) == (b"Customer\nAcme\n", "客户.csv")
        huge = b"x" * (LIMIT * 8)
        big = served(huge)
        stated = download.stream(http, big.url + "/file", limit=LIMIT)
        assert stated.data is None and stated.size == LIMIT * 8  # refused on its stated size
        endless = served(huge)
        unstated = download.stream(http, endless.url + "/chunked", limit=LIMIT)
        assert unstated.data is None and unstated.size is None  # stopped while reading
    assert big.sent < LIMIT * 4 and endless.sent < LIMIT * 4  # never the whole 40 MB


def test_receive_turns_every_failure_into_a_refusal(served: Any) -> None:
    def failing(limit: int) -> download.Downloaded:
        raise download.DownloadFailed("HTTP 404")

    assert download.receive("a.csv", 10, failing).refused == uploads.FETCH_FAILED
    fetched: list[int] = []

    def counted(limit: int) -> download.Downloaded:
        fetched.append(limit)
        return download.Downloaded(data=b"x")

    assert download.receive("a.png", 10, counted).refused == uploads.NOT_A_SPREADSHEET
    assert download.receive("a.csv", LIMIT + 1, counted).refused == uploads.TOO_LARGE
    assert fetched == []  # neither was downloaded
    named = download.receive("", None, lambda limit: download.Downloaded(data=b"x", name="b.csv"))
    assert (named.name, named.data, named.refused) == ("b.csv", b"x", "")


def test_a_local_file_is_read_the_same_way(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(b"Customer\n")
    assert download.local(str(sheet), LIMIT).data == b"Customer\n"
    sheet.write_bytes(b"x" * (LIMIT + 1))
    assert download.local(str(sheet), LIMIT).size == LIMIT + 1
    with pytest.raises(download.DownloadFailed):
        download.local(str(tmp_path / "missing.csv"), LIMIT)


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ('attachment; filename="MEDIA_ID.xlsx"', "MEDIA_ID.xlsx"),
        ("attachment; filename*=UTF-8''%E5%AE%A2%E6%88%B7.xlsx", "客户.xlsx"),
        ("attachment; filename=\"a.csv\"; filename*=UTF-8''b.csv", "b.csv"),
        ("inline", ""),
    ],
)
def test_content_disposition_names(header: str, name: str) -> None:
    assert download.disposition_name(header) == name


def test_slack_lets_a_file_share_in_and_refuses_a_malformed_files_field() -> None:
    event = {
        "type": "message",
        "subtype": "file_share",
        "user": "U1",
        "text": "",
        "ts": "1700000000.000100",
        "channel": "D1",
        "channel_type": "im",
        "files": [{"id": "F1", "name": "a.csv", "size": 3}],
    }
    body = {"type": "event_callback", "team_id": "T1", "event": event}
    assert slack_edge.classify("event", body).step is Step.DELIVER
    with pytest.raises(Refused):
        slack_edge.classify("event", body | {"event": event | {"files": "F1"}})


def _feishu(chat_type: str, content: dict[str, str]) -> dict[str, Any]:
    return {
        "schema": "2.0",
        "header": {"event_type": "im.message.receive_v1", "tenant_key": "tk"},
        "event": {
            "sender": {"sender_type": "user", "sender_id": {"open_id": "ou_1"}},
            "message": {
                "message_id": "om_1",
                "chat_id": "oc_1",
                "chat_type": chat_type,
                "message_type": "file",
                "content": json.dumps(content),
            },
        },
    }


def test_feishu_lets_a_file_in_only_from_a_chat_with_the_bot() -> None:
    content = {"file_key": "file_v3_1", "file_name": "客户.xlsx"}
    delivered = feishu_edge.classify(_feishu("p2p", content))
    assert delivered.step is Step.DELIVER and delivered.text == ""
    assert feishu_edge.classify(_feishu("group", content)).step is Step.IGNORE
    with pytest.raises(Refused):
        feishu_edge.classify(_feishu("p2p", {"file_name": "no key.xlsx"}))


def test_wecom_lets_a_file_in_with_its_media_id() -> None:
    msg = {
        "ToUserName": "ww1",
        "FromUserName": "lisi",
        "CreateTime": "1700000000",
        "MsgType": "file",
        "MediaId": "MEDIA_1",
        "MsgId": "42",
    }
    got = wecom_edge.app(msg)
    assert (got.step, got.key) == (Step.DELIVER, "msg:42")
    with pytest.raises(Refused):
        wecom_edge.app(msg | {"MediaId": ""})
