"""/import and /export on Slack, end to end: signed deliveries over a real socket to `dealbot
serve`, whose worker downloads the shared file from the fake Web API's url_private_download
with the bot token, answers with the report and a card, imports on a signed click of its
button, and shares an export into the asker's DM with files_upload_v2."""

from __future__ import annotations

import io
import itertools
import json
import sqlite3
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import slack_signing as signing
from tests.fakes.slack_api import FakeSlack
from tests.kits import slack as kit
from tests.test_serve import serving

CSV = (
    b"Customer,Owner,Deal,Stage,Amount\n"
    b"Acme,,40-seat license,proposal,120000\n"
    b"Globex,,Pilot,qualify,45000\n"
    b"Initech,,,,\n"
)
_ts = itertools.count(1)


def wait_for(pred: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := pred():
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


class Rig:
    def __init__(self, fake: FakeSlack, port: int, db: Path) -> None:
        self.fake, self.db = fake, db
        self.url = f"http://127.0.0.1:{port}{kit.PATH}"

    def post(self, body: bytes, content_type: str = "application/json") -> int:
        headers = signing.headers(body, kit.SECRET, content_type=content_type)
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def dm(self, user: str, team: str, text: str = "", file: dict[str, Any] | None = None) -> str:
        """A direct message to the bot (a file shared with it when `file`); its channel."""
        ts = f"1765000000.{next(_ts):06d}"
        event = {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts,
            "channel": f"D{user}",
            "channel_type": "im",
            "team": team,
        }
        if file is not None:
            event |= {"subtype": "file_share", "files": [file], "upload": True}
        body = signing.event_body(event, team=team, event_id=f"Ev{ts}")
        assert self.post(body) == 200
        return f"D{user}"

    def said(self, channel: str, start: int, words: str) -> dict[str, Any]:
        """The first message posted to `channel` after `start` (or shown to one person there)
        whose text or blocks hold `words`."""

        def find() -> dict[str, Any] | None:
            for p in self.fake.posted[start:] + self.fake.ephemeral:  # private: ephemeral
                if p.get("channel") == channel and words in json.dumps(p, ensure_ascii=False):
                    return p
            return None

        return wait_for(find)

    def click(self, user: str, team: str, value: str, message_ts: str, channel: str) -> str:
        key = f"click{next(_ts)}"
        payload = {
            "type": "block_actions",
            "user": {"id": user},
            "team": {"id": team},
            "container": {"type": "message", "channel_id": channel, "message_ts": message_ts},
            "channel": {"id": channel},
            "response_url": f"{self.fake.base}/response/{key}",
            "trigger_id": key,
            "actions": [
                {
                    "type": "button",
                    "action_id": value,
                    "value": value,
                    "action_ts": f"1765000001.{next(_ts):06d}",
                    "block_id": "b1",
                }
            ],
        }
        body = signing.action_body(payload)
        assert self.post(body, "application/x-www-form-urlencoded") == 200
        return key

    def command(self, user: str, team: str, command: str, text: str) -> str:
        key = f"cmd{next(_ts)}"
        body = signing.command_body(
            command=command,
            text=text,
            user_id=user,
            team_id=team,
            channel_id="C1",
            channel_name="sales",
            trigger_id=f"trig-{key}",
            response_url=f"{self.fake.base}/response/{key}",
        )
        assert self.post(body, "application/x-www-form-urlencoded") == 200
        return key

    def response(self, key: str) -> dict[str, Any]:
        return wait_for(lambda: (self.fake.responses.get(key) or [None])[0])

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with (
        FakeSlack() as fake,
        serving(tmp_path_factory.mktemp("slack"), kit.config(fake)) as (
            port,
            db,
            _,
        ),
    ):
        yield Rig(fake, port, db)


def buttons(message: dict[str, Any]) -> list[str]:
    blocks = message.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_an_admin_dms_a_spreadsheet_sees_the_report_and_imports_with_a_click(rig: Rig) -> None:
    team = "T-imp"
    start = len(rig.fake.posted)
    file = rig.fake.share("customers.csv", CSV)
    channel = rig.dm("UADM", team, file=file)  # the first person of the workspace: its admin
    card = rig.said(channel, start, "import.go:")
    assert "It creates 3 customers, 2 deals." in json.dumps(card)
    rig.said(channel, start, "customers.csv: 3 rows read")  # the report, before the card
    go = next(v for v in buttons(card) if v.startswith("import.go:"))
    # downloaded once, with the bot token, by the worker
    downloads = [d for d in rig.fake.downloads if file["id"] in d[0]]
    assert downloads == [(f"/files-pri/T1-{file['id']}/download/customers.csv", kit_token())]
    assert rig.rows("SELECT count(*) FROM customers WHERE name IN ('Acme','Globex')") == [(0,)]

    ts = "1765000100.000100"
    rig.click("UADM", team, go, ts, channel)
    wait_for(lambda: any(u.get("ts") == ts for u in rig.fake.updates))
    update = next(u for u in rig.fake.updates if u.get("ts") == ts)
    assert "imported by" in json.dumps(update) and buttons(update) == []
    names = rig.rows("SELECT name FROM customers ORDER BY name")
    assert ("Acme",) in names and ("Globex",) in names and ("Initech",) in names
    assert rig.rows("SELECT count(*) FROM deals WHERE title = '40-seat license'") == [(1,)]
    # a second click is told, and imports nothing more
    again = rig.click("UADM", team, go, ts, channel)
    assert "already imported" in json.dumps(rig.response(again))
    assert rig.rows("SELECT count(*) FROM deals WHERE title = '40-seat license'") == [(1,)]


def kit_token() -> str:
    return "Bearer xoxb-conformance"


def test_an_oversized_file_is_refused_before_a_byte_is_downloaded(rig: Rig) -> None:
    team = "T-big"
    rig.dm("UBIG", team, "/help")  # the admin, first
    start = len(rig.fake.posted)
    big = rig.fake.share("all-customers.xlsx", b"PK\x03\x04", size=6 * 1024 * 1024)
    channel = rig.dm("UBIG", team, "import", file=big)
    refusal = rig.said(channel, start, "more than the 5 MB")
    assert "all-customers.xlsx is 6.0 MB" in refusal["text"] or "6.0 MB" in json.dumps(refusal)
    assert not any(big["id"] in d[0] for d in rig.fake.downloads)
    photo = rig.fake.share("whiteboard.png", b"\x89PNG....")
    rig.dm("UBIG", team, file=photo)
    rig.said(channel, start, "not a spreadsheet I can read")
    assert not any(photo["id"] in d[0] for d in rig.fake.downloads)


def test_a_rep_is_refused(rig: Rig) -> None:
    team = "T-rep"
    rig.dm("UBOSS", team, "/help")  # the admin
    start = len(rig.fake.posted)
    channel = rig.dm("UREP", team, file=rig.fake.share("mine.csv", CSV))
    rig.said(channel, start, "Only admins and managers import")
    assert rig.rows("SELECT count(*) FROM files WHERE name = 'mine.csv'") == [(0,)]


def test_export_sends_the_file_to_the_askers_dm_only(rig: Rig) -> None:
    team = "T-exp"
    for line in ("Acme new 40 seats 120k", "Globex new pilot 45k"):
        rig.response(rig.command("UEX", team, "/deal", line))
    start = len(rig.fake.shared)
    key = rig.command("UEX", team, "/export", "customers, deals csv")
    answer = rig.response(key)
    assert "Sent to you in a direct message: customers 2, deals 2" in answer["text"]
    assert answer["response_type"] == "ephemeral"
    shared = wait_for(lambda: [s for s in rig.fake.shared[start:] if s["channel"] == "DUEX"])
    [sheet] = shared
    assert sheet["filename"].endswith(".zip") and sheet["title"].startswith("Your dealbot export")
    with zipfile.ZipFile(io.BytesIO(sheet["data"])) as z:
        assert len(z.namelist()) == 2
    assert not any(s["channel"] == "C1" for s in rig.fake.shared)
