"""Slack rendering and parsing, pure: golden files for each card, limits, escaping, payloads."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.slack import parse, render
from bot.outcome import Button, Card, Message

GOLDEN = Path(__file__).parent / "golden" / "slack"

CARDS = {
    "requirement": Card(
        key="req:3",
        title="Requirement R3 · Acme <Corp> & Sons (v2)",
        body="Customer's words: “SSO with <Azure AD> & SCIM”\nEarlier versions:\n  v1: “SSO”",
        fields=(("Status", "waiting for confirmation"), ("Confirmers", "@bob ✓, @carl … pending")),
        buttons=(
            Button(id="req.confirm:3:2", label="Confirm", style="primary"),
            Button(id="req.change:3:2", label="Request change"),
        ),
        fallback="Requirement R3 · Acme (v2)",
    ),
    "followup": Card(
        key="task:7",
        title="⏰ Due now: T7 send quote",
        body="Customer: Acme\nT7 send quote — due Mon Dec 7 09:00",
        buttons=(
            Button(id="task.done:7", label="Done", style="primary"),
            Button(id="task.snooze:7", label="Snooze 1 day"),
            Button(id="task.log:7", label="Log"),
        ),
        fallback="T7 send quote",
    ),
    "tasks": Card(
        key="tasks:2",
        title="Open tasks of @alice (2):",
        body="• T1 [Acme] send quote — due Tue Dec 1 09:00\n• T3 [Globex] call — due Wed Dec 2 15:00",
        buttons=(
            Button(id="task.done:1", label="Done T1"),
            Button(id="task.done:3", label="Done T3"),
        ),
        fallback="Open tasks of @alice (2)",
    ),
}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_matches_its_golden_file(name: str) -> None:
    rendered = render.message(Message(card=CARDS[name]))
    path = GOLDEN / f"{name}.json"
    text = json.dumps(rendered, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert text == path.read_text()


def test_customer_words_never_break_mrkdwn() -> None:
    blocks = render.message(Message(card=CARDS["requirement"]))["blocks"]
    assert "&lt;Azure AD&gt; &amp; SCIM" in blocks[1]["text"]["text"]


def test_long_text_is_split_into_sections_within_slack_limits() -> None:
    text = "\n".join(f"line {n} " + "x" * 90 for n in range(400))  # ~40k characters
    out = render.message(Message(text=text))
    assert len(out["blocks"]) <= render.MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= render.MAX_SECTION for b in out["blocks"] if "text" in b)
    assert len(out["text"]) <= 39000


def test_buttons_survive_when_a_card_is_cut_to_fifty_blocks() -> None:
    card = Card(
        key="big",
        title="t",
        body="\n".join("y" * 2900 for _ in range(80)),
        buttons=(Button(id="task.done:1", label="Done"),),
        fallback="t",
    )
    blocks = render.message(Message(card=card))["blocks"]
    assert len(blocks) == render.MAX_BLOCKS and blocks[-1]["type"] == "actions"


def test_plain_turns_slack_markup_back_into_what_was_typed() -> None:
    text, users = parse.plain(
        "log <@U1|alice> &amp; <@U2> met <#C9|shared> see <https://x.io|site> a &lt; b"
    )
    assert text == "log @U1 & @U2 met #C9 see site a < b"
    assert users == ["U1", "U2"]


HOME = parse.Home(bot_user="UBOT", team="T1")


def test_payloads_become_events() -> None:
    alice = parse.User(id="U1", name="Alice", tz="Asia/Shanghai", locale="zh_CN")
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    cmd = parse.command(
        {
            "command": "/log",
            "text": "Acme call hi <@U2>",
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": "U1",
            "trigger_id": "tr1",
            "response_url": "https://hooks/1",
        },
        alice,
        {"U2": parse.User(id="U2", name="Bob")},
        now,
        HOME,
    )
    assert (cmd.text, cmd.workspace_id, cmd.user_timezone) == (
        "/log Acme call hi @U2",
        "T1",
        "Asia/Shanghai",
    )
    assert cmd.mentions[0].name == "Bob" and cmd.reply.token == "https://hooks/1"
    env = {
        "team_id": "T1",
        "event": {
            "type": "app_mention",
            "user": "U1",
            "ts": "1.5",
            "channel": "C1",
            "text": "<@UBOT> log Acme call x",
        },
    }
    msg = parse.message(env, alice, {}, HOME)
    assert msg is not None
    assert (msg.text, msg.addressed, msg.message_id, msg.from_other_org) == (
        "log Acme call x",
        True,
        "1.5",
        False,
    )
    env["event"] |= {"type": "message", "text": "Do you do SSO?", "user_team": "T-other"}
    overheard = parse.message(env, alice, {}, HOME)
    assert overheard is not None
    assert (overheard.addressed, overheard.from_other_org) == (False, True)
    click = parse.action(
        {
            "team": {"id": "T1"},
            "container": {"channel_id": "C1", "message_ts": "2.5"},
            "actions": [{"value": "req.confirm:3:2", "action_ts": "3"}],
        },
        alice,
        now,
        HOME,
    )
    assert click.action is not None
    assert (click.action.button_id, click.reply and click.reply.card_message) == (
        "req.confirm:3:2",
        "C1:2.5",
    )


def test_manifest_registers_every_english_command_and_the_events_we_handle() -> None:
    import yaml

    from bot.commands import NAMES as COMMANDS

    manifest = yaml.safe_load(
        (Path(__file__).parent.parent / "adapters/slack/manifest.yml").read_text()
    )
    registered = {c["command"].lstrip("/") for c in manifest["features"]["slash_commands"]}
    english = {word for word in COMMANDS if word.isascii()}
    assert english | {"dealbot"} == registered
    assert all(c["should_escape"] for c in manifest["features"]["slash_commands"])
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.im", "message.channels"} <= events
    assert manifest["settings"]["interactivity"]["is_enabled"]


def test_who_is_from_another_organisation() -> None:
    """Our workspace, or our Enterprise Grid org, is home; a payload or a profile from
    anywhere else is an outsider's, and an outsider's payload belongs to our workspace."""
    grid = parse.Home(bot_user="UBOT", team="T1", enterprise="E1")
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    body = {"command": "/log", "text": "Acme call", "channel_id": "C1", "user_id": "U9"}
    sibling = parse.command(
        body | {"team_id": "T2", "enterprise_id": "E1"},
        parse.User(id="U9", name="x"),
        {},
        now,
        grid,
    )
    assert (sibling.from_other_org, sibling.workspace_id) == (False, "T2")
    theirs = parse.command(
        body | {"team_id": "T-cust"}, parse.User(id="U9", name="x"), {}, now, grid
    )
    assert (theirs.from_other_org, theirs.workspace_id) == (True, "T1")
    # a payload from our workspace by someone whose profile says they are from elsewhere
    guest = parse.User(id="U9", name="x", team="T-cust")
    assert parse.command(body | {"team_id": "T1"}, guest, {}, now, HOME).from_other_org
    # a mention of someone whose profile is elsewhere is marked, so it never makes a person
    said = parse.command(
        body | {"team_id": "T1", "text": "Acme confirm <@U8>"},
        parse.User(id="U9", name="x"),
        {"U8": parse.User(id="U8", name="Cora", team="T-cust")},
        now,
        HOME,
    )
    assert said.mentions[0].outsider
    failed = parse.User(id="U9", name="U9", known=False)
    assert not parse.command(body | {"team_id": "T1"}, failed, {}, now, HOME).profile_known
