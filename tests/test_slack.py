"""Slack end to end: signed requests over a real socket to `dealbot serve`, which answers
through the real slack-bolt app and slack_sdk client into a local fake of the Slack Web API."""

from __future__ import annotations

import itertools
import json
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import slack_signing as signing
from tests.fakes.slack_api import FakeSlack
from tests.test_serve import DEALBOT, free_port, start, stop, wait_healthy

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
_ids = itertools.count(1)


class SlackRig:
    def __init__(self, fake: FakeSlack, port: int, db: Path) -> None:
        self.fake, self.port, self.db = fake, port, db
        self.url = f"http://127.0.0.1:{port}/slack/events"

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, time.monotonic() - started
        except urllib.error.HTTPError as e:
            return e.code, time.monotonic() - started

    def command(
        self, text: str, *, command: str = "/log", user: str = "U1", team: str, channel: str = "C1"
    ) -> tuple[str, int, float]:
        key = f"r{next(_ids)}"
        body = signing.command_body(
            command=command,
            text=text,
            user_id=user,
            team_id=team,
            channel_id=channel,
            channel_name="sales",
            trigger_id=f"trig-{key}",
            response_url=f"{self.fake.base}/response/{key}",
        )
        status, took = self.post(
            body, signing.headers(body, SECRET, content_type="application/x-www-form-urlencoded")
        )
        return key, status, took

    def response(self, key: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.fake.responses.get(key):
                return self.fake.responses[key][0]
            time.sleep(0.02)
        raise AssertionError(f"no response for {key}")

    def say(self, text: str, **kw: Any) -> dict[str, Any]:
        command, _, rest = text.partition(" ")
        key, status, _ = self.command(rest, command=command, **kw)
        assert status == 200
        return self.response(key)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackRig]:
    tmp = tmp_path_factory.mktemp("slack")
    with FakeSlack(retry_after=1) as fake:
        port = free_port()
        db = tmp / "slack.db"
        config = tmp / "slack.toml"
        config.write_text(f"""
[database]
url = "sqlite:///{db}"
[server]
port = {port}
[slack]
bot_token = "xoxb-test"
signing_secret = "{SECRET}"
api_base_url = "{fake.url}"
[outbox]
poll_seconds = 0.2
""")
        log = tmp / "serve.log"
        proc = start(config, log)
        try:
            wait_healthy(port, proc, log)
            yield SlackRig(fake, port, db)
        finally:
            assert stop(proc) == 0, log.read_text()
        logged = log.read_text()
        assert SECRET not in logged and "xoxb-test" not in logged  # never a secret in the logs
        assert '"msg": "runtime stopped' in logged


def text_of(response: dict[str, Any]) -> str:
    return response.get("text", "")


def wait_for(pred, seconds: float = 10) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return False


def test_log_is_acknowledged_and_answered_in_the_channel(rig: SlackRig) -> None:
    key, status, _ = rig.command(
        "Acme call Discussed pricing. next: send quote by Tue", team="T-log"
    )
    assert status == 200  # how fast: bench/slack_ack.py (no timing asserts in tests)
    reply = rig.response(key)
    assert reply["response_type"] == "in_channel"
    assert "logged a call with Acme" in text_of(reply)


@pytest.mark.parametrize(
    ("line", "expected", "visible"),
    [
        ("/deal Acme new 40-seat license 120k", "New deal D", "in_channel"),
        ("/deal Acme stage proposal", "moved to stage proposal", "in_channel"),
        ("/task Acme call back tomorrow 3pm", "for Acme: call back", "in_channel"),
        ("/tasks", "Open tasks of", "ephemeral"),
        ("/meeting Acme tomorrow 15:00 60m", "with Acme on", "in_channel"),
        (
            "/minutes Acme Agreed on scope. - <@U1> send deck by Fri",
            "Action items became tasks",
            "in_channel",
        ),
        ("/question Acme Do you support SAML?", "from Acme is open", "in_channel"),
        ("/answered 1", "Q1 (Acme) answered", "in_channel"),
        ("/req Acme SSO before go-live confirm <@U1>", "Requirement R", "in_channel"),
        ("/pipeline", "Pipeline", "ephemeral"),
        ("/digest", "Digest", "ephemeral"),
        ("/progress month", "Progress of", "ephemeral"),
        ("/target <@U1> 2026-12 calls=60", "Target for", "in_channel"),
        ("/customer Acme", "History (newest first)", "ephemeral"),
        ("/help", "dealbot commands", "ephemeral"),
        ("/team east <@U1> <@U2>", "Team east created", "in_channel"),
        ("/handover Acme <@U1> <@U2>", "handed over", "in_channel"),
        ("/dealbot log Beta call via the fallback", "logged a call with Beta", "in_channel"),
        ("/deal Acme stage signed", "is not a stage", "ephemeral"),
    ],
)
def test_every_command(rig: SlackRig, line: str, expected: str, visible: str) -> None:
    reply = rig.say(line, team="T-all")
    assert expected in text_of(reply) or expected in str(reply.get("blocks")), reply
    assert reply["response_type"] == visible


def test_card_click_updates_the_card_in_place(rig: SlackRig) -> None:
    rig.fake.people["U7"] = {
        "id": "U7",
        "name": "bob",
        "tz": "UTC",
        "locale": "en-US",
        "profile": {"display_name": "Bob"},
    }
    rig.say("/log Acme call first touch", team="T-card")  # so the /req answer is the card alone
    reply = rig.say("/req Acme Data stays in the EU confirm <@U7>", team="T-card")
    actions = next(b for b in reply["blocks"] if b["type"] == "actions")
    confirm = actions["elements"][0]
    assert confirm["value"].startswith("req.confirm:")
    payload = {
        "type": "block_actions",
        "user": {"id": "U7"},
        "team": {"id": "T-card"},
        "container": {"type": "message", "channel_id": "C1", "message_ts": "1700000000.000100"},
        "channel": {"id": "C1"},
        "response_url": f"{rig.fake.base}/response/click1",
        "trigger_id": "t1",
        "actions": [
            {
                "type": "button",
                "action_id": confirm["action_id"],
                "value": confirm["value"],
                "action_ts": "1700000001.0001",
                "block_id": actions["block_id"],
            }
        ],
    }
    body = signing.action_body(payload)
    status, _ = rig.post(
        body, signing.headers(body, SECRET, content_type="application/x-www-form-urlencoded")
    )
    assert status == 200
    assert wait_for(lambda: any(u["ts"] == "1700000000.000100" for u in rig.fake.updates))
    update = next(u for u in rig.fake.updates if u["ts"] == "1700000000.000100")
    assert update["channel"] == "C1"
    blocks = update["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    flat = str(blocks)
    # people are Slack mentions that notify them, in fields and in the "who clicked" line
    assert "<@U7> ✓" in flat and "confirmed by everyone" in flat
    assert (
        blocks[-1]["type"] == "context" and "<@U7> · <!date^" in blocks[-1]["elements"][0]["text"]
    )


def _click(rig: SlackRig, *, team: str, user: str, value: str, ts: str, key: str) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "team": {"id": team},
        "container": {"type": "message", "channel_id": "C1", "message_ts": ts},
        "channel": {"id": "C1"},
        "response_url": f"{rig.fake.base}/response/{key}",
        "trigger_id": key,
        "actions": [
            {
                "type": "button",
                "action_id": value,
                "value": value,
                "action_ts": "1700000001.0001",
                "block_id": "b1",
            }
        ],
    }
    body = signing.action_body(payload)
    status, _ = rig.post(
        body, signing.headers(body, SECRET, content_type="application/x-www-form-urlencoded")
    )
    assert status == 200


def test_done_on_a_reminder_card_updates_it_with_chat_update(rig: SlackRig) -> None:
    rig.say("/task Acme send the reminder quote tomorrow 3pm", team="T-remind", user="URM")
    [(task,)] = rig.rows("SELECT id FROM tasks WHERE text = 'send the reminder quote'")
    ts = "1700000000.000300"  # the reminder card the scheduler sent (its buttons: `:1`)
    _click(rig, team="T-remind", user="URM", value=f"task.done:{task}:1", ts=ts, key="rm1")
    assert wait_for(lambda: any(u["ts"] == ts for u in rig.fake.updates))
    update = next(u for u in rig.fake.updates if u["ts"] == ts)
    blocks = update["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert f"Done: T{task} send the reminder quote" in str(blocks) and "<@URM>" in str(blocks)
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [e["value"] for e in actions["elements"]] == [f"task.log:{task}:1"]  # Done gone
    # the card says it: no "T… done" message besides
    time.sleep(0.5)
    assert "rm1" not in rig.fake.responses
    assert not any(f"T{task} done" in str(p) for p in rig.fake.posted)
    # an old reminder's Done (no marker) still answers with a message and updates nothing
    rig.say("/task Acme send the old quote tomorrow 3pm", team="T-remind", user="URM")
    [(old,)] = rig.rows("SELECT id FROM tasks WHERE text = 'send the old quote'")
    _click(rig, team="T-remind", user="URM", value=f"task.done:{old}", ts="170.4", key="rm2")
    assert f"T{old} done" in str(rig.response("rm2"))
    assert not any(u["ts"] == "170.4" for u in rig.fake.updates)


def _mention(
    team: str,
    ts: str,
    text: str,
    *,
    channel: str = "C5",
    user: str = "U1",
    kind: str = "app_mention",
) -> dict[str, Any]:
    return {
        "type": kind,
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "channel_type": "channel",
        "team": team,
    }


def test_retries_and_message_plus_mention_make_one_record(rig: SlackRig) -> None:
    team = "T-retry"
    event = _mention(team, "1700000100.000200", "<@UBOT> log Acme call retried thrice")
    body = signing.event_body(event, team=team, event_id="Ev1")
    for retry in range(4):
        headers = signing.headers(body, SECRET)
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        assert rig.post(body, headers)[0] == 200
    same_post = signing.event_body({**event, "type": "message"}, team=team, event_id="Ev2")
    assert rig.post(same_post, signing.headers(same_post, SECRET))[0] == 200
    assert wait_for(lambda: any("retried thrice" in str(p) for p in rig.fake.posted))
    time.sleep(1.0)
    assert sum("retried thrice" in str(p) for p in rig.fake.posted) == 1
    assert rig.rows("select count(*) from activities where text = 'retried thrice'") == [(1,)]


@pytest.mark.parametrize(
    "case", ["forged", "stale", "tampered", "unsigned", "replayed-late", "bad-timestamp"]
)
def test_bad_signatures_get_401_and_change_nothing(rig: SlackRig, case: str) -> None:
    body = signing.command_body(
        command="/log",
        text=f"Evil call {case}",
        user_id="U1",
        team_id="T-evil",
        channel_id="C1",
        response_url="x",
        trigger_id=f"t-{case}",
    )
    form = "application/x-www-form-urlencoded"
    headers = {
        "forged": lambda: signing.headers(body, "not-the-secret", content_type=form),
        "stale": lambda: signing.headers(
            body, SECRET, ts=int(time.time()) - 400, content_type=form
        ),
        "tampered": lambda: signing.headers(
            body.replace(b"Evil", b"Good"), SECRET, content_type=form
        ),
        "unsigned": lambda: {"Content-Type": form},
        "bad-timestamp": lambda: (
            signing.headers(body, SECRET, content_type=form) | {"X-Slack-Request-Timestamp": "soon"}
        ),
        "replayed-late": lambda: signing.headers(
            body, SECRET, ts=int(time.time()) - 301, content_type=form
        ),
    }[case]()
    assert rig.post(body, headers)[0] == 401
    assert rig.rows("select count(*) from tenants where name like '%T-evil%'") == [(0,)]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"payload=%7Bbroken", "application/x-www-form-urlencoded"),
        (b"\xff\xfe", "application/json"),
        (b"[1, 2]", "application/json"),
    ],
)
def test_malformed_bodies_get_400_not_500(rig: SlackRig, body: bytes, content_type: str) -> None:
    assert rig.post(body, signing.headers(body, SECRET, content_type=content_type))[0] == 400


def test_rate_limited_reply_arrives_after_retry_after(rig: SlackRig) -> None:
    team = "T-429"
    rig.fake.fail_next = ["429"]
    event = _mention(
        team, "1700000300.000100", "<@UBOT> log Acme call rate limited once", channel="C429"
    )
    body = signing.event_body(event, team=team, event_id="Ev429")
    started = time.monotonic()
    assert rig.post(body, signing.headers(body, SECRET))[0] == 200
    assert wait_for(lambda: any("rate limited once" in str(p) for p in rig.fake.posted), 15)
    assert time.monotonic() - started >= 1.0  # it waited for Retry-After
    assert rig.fake.failures["429"] >= 1


def test_slack_connect_question_opened_and_closed(rig: SlackRig) -> None:
    team = "T-connect"
    rig.say("/link <#C9|acme-shared> Acme", team=team)
    ask = _mention(
        team,
        "1700000400.000100",
        "Do you support SAML single sign-on?",
        channel="C9",
        user="UEXT",
        kind="message",
    ) | {"user_team": "T-customer"}
    thanks = _mention(
        team, "1700000401.000100", "thanks! 🙏", channel="C9", user="UEXT", kind="message"
    ) | {"user_team": "T-customer"}
    for n, ev in enumerate((ask, thanks)):
        body = signing.event_body(ev, team=team, event_id=f"EvC{n}")
        assert rig.post(body, signing.headers(body, SECRET))[0] == 200
    assert wait_for(
        lambda: rig.rows("select count(*) from questions where channel_id='C9'") == [(1,)]
    )
    [(text, asked_by, status)] = rig.rows(
        "select text, asked_by, status from questions where channel_id='C9'"
    )
    assert (text, asked_by, status) == ("Do you support SAML single sign-on?", "uext", "open")
    assert wait_for(lambda: any("asked in the shared channel" in str(p) for p in rig.fake.posted))
    answer = _mention(
        team,
        "1700000402.000100",
        "Yes — SAML 2.0 with Azure AD and Okta.",
        channel="C9",
        user="U1",
        kind="message",
    ) | {"thread_ts": "1700000400.000100"}
    body = signing.event_body(answer, team=team, event_id="EvC9")
    assert rig.post(body, signing.headers(body, SECRET))[0] == 200
    assert wait_for(
        lambda: rig.rows("select status from questions where channel_id='C9'") == [("answered",)]
    )
    # the customer's people asked and were heard, and never became people here
    assert rig.rows("select count(*) from identities where external_id='UEXT'") == [(0,)]


def test_serve_refuses_to_start_without_a_signing_secret(tmp_path: Path) -> None:
    config = tmp_path / "nosecret.toml"
    config.write_text(f'[server]\nport = {free_port()}\n[slack]\nbot_token = "xoxb-test"\n')
    done = subprocess.run(
        [str(DEALBOT), "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode != 0
    assert "slack.signing_secret" in done.stderr + done.stdout


def test_a_locked_database_answers_in_time_and_says_not_saved_truthfully(rig: SlackRig) -> None:
    holder = sqlite3.connect(rig.db, timeout=1, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the store past Slack's deadline
    try:
        key, status, took = rig.command("Acme call while the database was locked", team="T-lock")
        assert status == 200 and took < 3.0  # answered within Slack's deadline (with the
        # "not saved, send it again" text: tests/test_edge.py reads that answer)
    finally:
        holder.execute("COMMIT")
        holder.close()
    time.sleep(2)  # a write that was merely late would land now
    assert key not in rig.fake.responses  # told "not saved": so it is not saved
    assert not rig.rows("select id from activities where text like '%database was locked%'")


# --- people from another organisation (Slack Connect) and profiles that fail ---------------


def _count(rig: SlackRig, sql: str) -> int:
    return rig.rows(sql)[0][0]


def test_an_outsiders_command_is_refused_and_creates_nothing(rig: SlackRig) -> None:
    """A slash command from someone of another org, carrying their own team id, in a channel
    shared with us: a polite private no; no tenant of theirs, no person, nothing recorded."""
    body = signing.command_body(
        command="/log",
        text="Acme call sneaky",
        user_id="UOUT",
        team_id="T-theirs",
        enterprise_id="E-theirs",
        channel_id="C1",
        trigger_id="trig-out",
        response_url=f"{rig.fake.base}/response/out1",
    )
    form = "application/x-www-form-urlencoded"
    assert rig.post(body, signing.headers(body, SECRET, content_type=form))[0] == 200
    reply = rig.response("out1")
    assert reply["response_type"] == "ephemeral"
    assert "only takes commands from members of this organisation" in text_of(reply)
    assert _count(rig, "select count(*) from workspaces where external_id='T-theirs'") == 0
    assert _count(rig, "select count(*) from identities where external_id='UOUT'") == 0
    assert _count(rig, "select count(*) from activities where text='sneaky'") == 0


def test_an_outsiders_click_is_refused_and_creates_nothing(rig: SlackRig) -> None:
    rig.say("/log Acme call first", team="T-click-out")
    reply = rig.say("/req Acme Data stays in the EU confirm <@U1>", team="T-click-out")
    actions = next(b for b in reply["blocks"] if b["type"] == "actions")
    confirm = actions["elements"][0]
    payload = {
        "type": "block_actions",
        "user": {"id": "UOUT2", "team_id": "T-theirs"},
        "team": {"id": "T-theirs"},
        "enterprise": None,  # another org, not part of ours
        "container": {"type": "message", "channel_id": "C1", "message_ts": "1700000900.000100"},
        "channel": {"id": "C1"},
        "response_url": f"{rig.fake.base}/response/outclick",
        "actions": [
            {
                "type": "button",
                "action_id": confirm["action_id"],
                "value": confirm["value"],
                "action_ts": "1700000901.0001",
            }
        ],
    }
    body = signing.action_body(payload)
    form = "application/x-www-form-urlencoded"
    assert rig.post(body, signing.headers(body, SECRET, content_type=form))[0] == 200
    answer = rig.response("outclick")
    assert "only takes commands from members" in text_of(answer)
    assert _count(rig, "select count(*) from identities where external_id='UOUT2'") == 0
    assert (
        _count(
            rig,
            "select count(*) from confirmations c join workspaces w "
            "on w.tenant_id = c.tenant_id where w.external_id = 'T-click-out'",
        )
        == 0
    )
    assert not any(u["ts"] == "1700000900.000100" for u in rig.fake.updates)


def test_an_outsider_named_as_confirmer_is_not_made_a_person(rig: SlackRig) -> None:
    rig.fake.people["UCUST"] = {
        "id": "UCUST",
        "name": "cora",
        "team_id": "T-customer",
        "tz": "UTC",
        "profile": {"display_name": "Cora"},
    }
    reply = text_of(rig.say("/req Acme SSO first confirm <@UCUST>", team="T-conf-out"))
    assert "from another organisation" in reply and "Cora" in reply
    assert _count(rig, "select count(*) from identities where external_id='UCUST'") == 0


def test_a_failed_profile_lookup_is_not_a_profile(rig: SlackRig) -> None:
    """users.info 429 on a first command: stored under the id, in the tenant's zone; the
    next event looks the profile up again and name and zone are set right."""
    rig.fake.people["UPF"] = {
        "id": "UPF",
        "name": "pat",
        "tz": "Asia/Shanghai",
        "locale": "en-US",
        "profile": {"display_name": "Pat"},
    }
    rig.fake.profiles_down["UPF"] = 1
    first = text_of(rig.say("/task Globex send the quote tomorrow 10am", team="T-prof", user="UPF"))
    assert "send the quote" in first
    [(name, tz)] = rig.rows(
        "select display_name, timezone from people p join identities i "
        "on i.person_id = p.id where i.external_id = 'UPF'"
    )
    assert (name, tz) == ("UPF", None)  # the tenant's zone (UTC) applies meanwhile
    rig.say("/task Globex book the demo tomorrow 10am", team="T-prof", user="UPF")
    [(name, tz, handle)] = rig.rows(
        "select display_name, timezone, handle from people p join identities i "
        "on i.person_id = p.id where i.external_id = 'UPF'"
    )
    assert (name, tz, handle) == ("Pat", "Asia/Shanghai", "Pat")
    dues = dict(
        rig.rows("select text, due_at from tasks where text in ('send the quote', 'book the demo')")
    )
    # 10am in the zone known at the time: UTC first, then Shanghai (02:00 UTC)
    assert "10:00:00" in dues["send the quote"]
    assert "02:00:00" in dues["book the demo"]
