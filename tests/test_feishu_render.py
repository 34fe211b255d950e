"""Feishu rendering, pure: post messages, card JSON 2.0, escaping, people, and the 30 KB cap."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from adapters.feishu import render
from bot.delivery import message_from_dict, message_to_dict
from bot.outcome import Button, Card, Message
from tests.chat import Chat

ALICE = "\x02ou_alice\x1fAlice\x03"  # a resolved marker: Alice has a Feishu open_id
NOBODY = "\x02\x1fBob\x03"  # Bob has no identity on Feishu
MARKER_BYTES = ("\x02", "\x03", "\x1f")


def size(content: Any) -> int:
    return len(json.dumps(content, ensure_ascii=False).encode())


def dumped(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False)


def markdowns(card: dict[str, Any]) -> list[str]:
    return [e["content"] for e in card["body"]["elements"] if e["tag"] == "markdown"]


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    sets = [e for e in card["body"]["elements"] if e["tag"] == "column_set"]
    return [el for s in sets for col in s["columns"] for el in col["elements"]]


# ---- post -------------------------------------------------------------------------------


def test_post_has_one_list_per_line_and_people_as_at_elements() -> None:
    content = render.post(f"Hi {ALICE}, see below\n\nask {NOBODY} too")
    assert content == {
        "zh_cn": {
            "content": [
                [
                    {"tag": "text", "text": "Hi "},
                    {"tag": "at", "user_id": "ou_alice"},
                    {"tag": "text", "text": ", see below"},
                ],
                [{"tag": "text", "text": ""}],
                [{"tag": "text", "text": "ask @Bob too"}],
            ]
        }
    }
    assert not any(b in dumped(content) for b in MARKER_BYTES)


def test_post_keeps_hostile_text_literal_and_drops_stray_marker_bytes() -> None:
    hostile = '<at user_id="all">everyone</at> **bold** [a](http://evil) # x'
    content = render.post(f"{hostile}\n\x02broken\x03 \x1f {ALICE}")
    lines = content["zh_cn"]["content"]
    assert lines[0] == [{"tag": "text", "text": hostile}]
    assert lines[1] == [
        {"tag": "text", "text": "broken  "},
        {"tag": "at", "user_id": "ou_alice"},
    ]
    assert not any(b in dumped(content) for b in MARKER_BYTES)
    assert [e for line in lines for e in line if e["tag"] == "at"] == [
        {"tag": "at", "user_id": "ou_alice"}
    ]


def test_post_line_endings() -> None:
    lines = render.post("a\r\nb\rc\n")["zh_cn"]["content"]
    assert lines == [[{"tag": "text", "text": t}] for t in ("a", "b", "c", "")]


def test_a_200kb_post_keeps_whole_lines_and_ends_with_an_ellipsis_line() -> None:
    text = "\n".join(f"第{n}行 " + "x" * 100 for n in range(2000))  # ~220 KB
    content = render.post(text)
    lines = content["zh_cn"]["content"]
    assert size(content) <= render.MAX_BYTES
    assert size(content) > render.MAX_BYTES - 200  # and it keeps what fits
    assert lines[-1] == [{"tag": "text", "text": "…"}]
    assert lines[0] == [{"tag": "text", "text": "第0行 " + "x" * 100}]
    assert all(line[0]["text"].endswith("x" * 100) for line in lines[:-1])


def test_a_single_200kb_line_post_is_cut_at_a_character() -> None:
    content = render.post("华" * 70_000)  # 210 KB in UTF-8, on one line
    lines = content["zh_cn"]["content"]
    assert size(content) <= render.MAX_BYTES
    assert len(lines) == 2 and lines[-1] == [{"tag": "text", "text": "…"}]
    assert set(lines[0][0]["text"]) == {"华"} and len(lines[0][0]["text"]) > 9000


# ---- escape -----------------------------------------------------------------------------


def test_escape_makes_markdown_and_html_show_as_typed() -> None:
    assert render.escape("**x** [a](http://evil)") == (
        "&#42;&#42;x&#42;&#42; &#91;a&#93;&#40;http://evil&#41;"
    )
    assert render.escape("<at id=all></at> <font color='red'>hi</font> & co") == (
        "&#60;at id=all&#62;&#60;/at&#62; &#60;font color='red'&#62;hi&#60;/font&#62; &#38; co"
    )
    assert render.escape("~~s~~ `c` _i_ # h | t \\") == (
        "&#126;&#126;s&#126;&#126; &#96;c&#96; &#95;i&#95; &#35; h &#124; t &#92;"
    )


def test_escape_neutralises_line_start_markers_only_at_line_start() -> None:
    assert render.escape("- one\n+ two\n> quote\n1. first\n---\n===\n    code") == (
        "&#45; one\n&#43; two\n&#62; quote\n1&#46; first\n&#45;--\n&#61;==\n"
        "&nbsp;&nbsp;&nbsp;&nbsp;code"
    )
    # readable mid-line: dots, hyphens, numbers, plain colons and URLs stay as they are
    assert render.escape("x-y costs 3.14 at 10:30, see http://a.io/b-c") == (
        "x-y costs 3.14 at 10:30, see http://a.io/b-c"
    )
    assert render.escape("2024.5 was fine") == "2024.5 was fine"
    assert render.escape(":OK: done") == "&#58;OK: done"  # no Feishu emoji from a customer


def test_escape_keeps_chinese_and_emoji_untouched() -> None:
    assert render.escape("华为 ¥50万 下周一") == "华为 ¥50万 下周一"
    assert render.escape("客户说：“好的” 👍🏻") == "客户说：“好的” 👍🏻"


def test_escape_names_people_with_at_tags_and_never_leaks_marker_bytes() -> None:
    out = render.escape(f"{ALICE} owes {NOBODY} a *call*\x03 \x02\x1f")
    assert out == "<at id=ou_alice></at> owes @Bob a &#42;call&#42; "
    assert render.escape("\x03- x") == "&#45; x"  # a stray byte cannot hide a line start
    # a name is escaped like any text; an id that is not an id falls back to @name
    assert render.escape("\x02\x1f*Eve*\x03") == "@&#42;Eve&#42;"
    assert render.escape("\x02ou x>\x1fEve\x03") == "@Eve"
    # a line that starts with a person is not a list, and what follows is not line start
    assert render.escape(f"{ALICE}- ok\n- {ALICE}") == (
        "<at id=ou_alice></at>- ok\n&#45; <at id=ou_alice></at>"
    )


# ---- card -------------------------------------------------------------------------------

DEAL = Card(
    key="req:3",
    title=f"Requirement R3 · Acme <Corp> for {ALICE}",
    body="Customer's words: **SSO** with <at id=all></at>\n- v1: SSO",
    fields=(("Status", "waiting"), ("Confirmers", f"{ALICE} ✓, {NOBODY} pending")),
    buttons=(
        Button(id="req.confirm:3:2", label="Confirm", style="primary"),
        Button(id="req.reject:3:2", label="Reject", style="danger"),
        Button(id="req.change:3:2", label="Request change"),
    ),
    fallback="Requirement R3",
    tone="waiting",
)


def test_card_is_json_2_with_header_body_fields_and_buttons() -> None:
    out = render.card(DEAL, text=f"New for {ALICE}")
    assert out["schema"] == "2.0"
    assert out["config"] == {"update_multi": True, "width_mode": "fill"}
    assert out["header"] == {
        "title": {"tag": "plain_text", "content": "Requirement R3 · Acme <Corp> for @Alice"},
        "template": "orange",  # waiting for its confirmers
    }
    assert markdowns(out) == [
        "New for <at id=ou_alice></at>",
        (
            "Customer's words: &#42;&#42;SSO&#42;&#42; with &#60;at id=all&#62;&#60;/at&#62;\n"
            "&#45; v1: SSO"
        ),
        "**Status**：waiting\n**Confirmers**：<at id=ou_alice></at> ✓, @Bob pending",
    ]
    row = [e for e in out["body"]["elements"] if e["tag"] == "column_set"]
    assert len(row) == 1 and row[0]["flex_mode"] == "flow"
    assert all(c["tag"] == "column" and c["width"] == "auto" for c in row[0]["columns"])
    assert buttons(out) == [
        {
            "tag": "button",
            "text": {"tag": "plain_text", "content": label},
            "type": kind,
            "behaviors": [{"type": "callback", "value": {"b": bid}}],
        }
        for label, kind, bid in (
            ("Confirm", "primary", "req.confirm:3:2"),
            ("Reject", "danger", "req.reject:3:2"),
            ("Request change", "default", "req.change:3:2"),
        )
    ]
    assert not any(b in dumped(out) for b in MARKER_BYTES)


def test_card_without_buttons_is_still_shared_and_has_no_button_row() -> None:
    out = render.card(Card(key="k", title="Note", body="just words"))
    assert out["config"]["update_multi"] is True
    assert out["body"]["elements"] == [{"tag": "markdown", "content": "just words"}]


def test_card_caps_buttons_fields_and_labels() -> None:
    many = Card(
        key="k",
        title="T" * 300,
        fields=tuple((f"k{n}", f"v{n}") for n in range(15)),
        buttons=tuple(Button(id=f"b:{n}", label=f"{n} " + "L" * 80) for n in range(14)),
    )
    out = render.card(many)
    assert len(out["header"]["title"]["content"]) == render.MAX_TITLE
    assert out["header"]["title"]["content"].endswith("…")
    assert [b["behaviors"][0]["value"]["b"] for b in buttons(out)] == [f"b:{n}" for n in range(10)]
    assert all(len(b["text"]["content"]) <= render.MAX_BUTTON_TEXT for b in buttons(out))
    assert markdowns(out)[0].count("\n") == 9  # ten field lines


def test_header_and_labels_are_plain_even_for_hostile_titles() -> None:
    out = render.card(
        Card(
            key="k", title=f"<at id=all></at> **x** {ALICE}", buttons=(Button(id="b", label=ALICE),)
        )
    )
    title = out["header"]["title"]["content"]
    assert title == "<at id=all></at> **x** @Alice"  # plain_text: shown as typed, no mention
    assert out["header"]["title"]["tag"] == "plain_text"
    assert "<at id=ou_alice" not in title
    assert buttons(out)[0]["text"]["content"] == "@Alice"


def test_clicked_card_gets_a_note_with_who_and_local_datetime() -> None:
    out = render.card(DEAL, clicked=f"{ALICE}", clicked_at_ms=1_764_000_000_123)
    note = out["body"]["elements"][-1]
    assert note["tag"] == "markdown"
    assert note["content"].startswith("<at id=ou_alice></at> · ")
    assert (
        "<local_datetime millisecond='1764000000123' format_type='date_num'></local_datetime>"
        in note["content"]
    )
    assert buttons(out)  # the buttons are still there, above the note
    assert render.card(DEAL)["body"]["elements"][-1]["tag"] == "column_set"  # no click, no note
    hostile = render.card(DEAL, clicked="*Mallory* <at id=all>")["body"]["elements"][-1]
    assert hostile["content"].startswith("&#42;Mallory&#42; &#60;at id=all&#62; · ")


def test_a_200kb_body_is_summarised_under_the_cap_keeping_title_and_buttons() -> None:
    body = "\n".join(f"line {n}: " + "y" * 90 for n in range(2000))  # ~200 KB
    big = Card(
        key="big",
        title="Big report",
        body=body,
        fields=(("Owner", "Alice"),),
        buttons=tuple(Button(id=f"b:{n}", label=f"B{n}") for n in range(10)),
    )
    out = render.card(big, text="intro words")
    assert size(out) <= render.MAX_BYTES
    assert size(out) > render.MAX_BYTES - 1024  # summarised, not emptied
    assert out["header"]["title"]["content"] == "Big report"
    assert [b["behaviors"][0]["value"]["b"] for b in buttons(out)] == [f"b:{n}" for n in range(10)]
    text, shortened, fields = markdowns(out)
    assert (text, fields) == ("intro words", "**Owner**：Alice")  # only the body was cut
    assert shortened.endswith("\n…")  # whole lines kept
    kept = shortened.split("\n")[:-1]
    assert kept == [f"line {n}: " + "y" * 90 for n in range(len(kept))]


def test_long_text_and_fields_are_cut_too_and_people_tags_stay_whole() -> None:
    text = f"{ALICE} " * 5000  # each mention is a tag that must not be cut in half
    card = Card(
        key="k",
        title="T",
        body="short body",
        fields=(("Notes", "z" * 60_000),),
        buttons=(Button(id="b:1", label="OK"),),
    )
    out = render.card(card, text=text, clicked=ALICE, clicked_at_ms=1)
    assert size(out) <= render.MAX_BYTES
    cut_text, body, fields, note = markdowns(out)
    assert body == "short body"  # under the floor: untouched
    assert cut_text.endswith("…") and fields.endswith("…")
    assert cut_text.count("<at id=ou_alice>") == cut_text.count("</at>")
    assert "millisecond='1'" in note and buttons(out)


def test_a_chinese_card_renders_its_chinese_unescaped_and_measures_utf8() -> None:
    zh = Card(
        key="k",
        title="华为 需求 R3",
        body="华为 ¥50万 下周一\n" * 4000,  # ~100 KB as UTF-8; ~3x that if sent as \\uXXXX
        fields=(("状态", "待确认"),),
        buttons=(Button(id="b:1", label="确认", style="primary"),),
    )
    out = render.card(zh)
    raw = dumped(out)
    assert "华为 ¥50万 下周一" in raw and "\\u" not in raw
    assert size(out) <= render.MAX_BYTES
    assert markdowns(out)[1] == "**状态**：待确认"
    assert out["header"]["title"]["content"] == "华为 需求 R3"


# ---- message / ephemeral ----------------------------------------------------------------


def test_message_picks_post_or_interactive() -> None:
    assert render.message(Message(text=f"hi {ALICE}")) == (
        "post",
        {
            "zh_cn": {
                "content": [[{"tag": "text", "text": "hi "}, {"tag": "at", "user_id": "ou_alice"}]]
            }
        },
    )
    kind, content = render.message(Message(text="above", card=DEAL), clicked="Bob", clicked_at_ms=5)
    assert kind == "interactive"
    assert content == render.card(DEAL, text="above", clicked="Bob", clicked_at_ms=5)


def test_ephemeral_card_wraps_text_or_uses_the_card() -> None:
    out = render.ephemeral_card(Message(text=f"only you, {ALICE}: **x**"))
    assert out["schema"] == "2.0" and "header" not in out
    assert out["body"]["elements"] == [
        {"tag": "markdown", "content": "only you, <at id=ou_alice></at>: &#42;&#42;x&#42;&#42;"}
    ]
    assert render.ephemeral_card(Message(card=DEAL)) == render.card(DEAL)
    huge = render.ephemeral_card(Message(text="w" * 200_000))
    assert size(huge) <= render.MAX_BYTES and markdowns(huge)[0].endswith("…")


# ---- the header's colour says what the card means -----------------------------------------

# the header `template` values of card JSON 2.0 (its header component)
TEMPLATES = {"blue", "wathet", "turquoise", "green", "yellow", "orange", "red", "carmine"}
TEMPLATES |= {"violet", "purple", "indigo", "grey", "default"}


@pytest.mark.parametrize(
    ("tone", "colour"),
    [("done", "green"), ("waiting", "orange"), ("alert", "red"), ("info", "grey"), ("?", "grey")],
)
def test_a_cards_tone_is_its_header_colour(tone: str, colour: str) -> None:
    out = render.card(Card(key="k", title="T", tone=tone))
    assert out["header"]["template"] == colour
    assert colour in TEMPLATES


def test_a_card_says_information_unless_told_otherwise_and_keeps_its_tone_in_the_outbox() -> None:
    assert Card(key="k", title="T").tone == "info"
    row = message_to_dict(Message(card=replace(DEAL, tone="alert")))
    assert message_from_dict(json.loads(json.dumps(row))).card.tone == "alert"  # type: ignore[union-attr]
    del row["card"]["tone"]  # a row written before cards had tones
    assert message_from_dict(row).card.tone == "info"  # type: ignore[union-attr]


def test_a_requirement_goes_orange_while_waiting_green_when_confirmed_red_on_a_change(
    sessions: sessionmaker[Session],
) -> None:
    chat = Chat(sessions)
    chat.say("alice", "/help")  # the admin
    chat.say("alice", "/req Acme SSO with Azure AD before go-live confirm @bob @carl")
    shown = chat.last.replies[-1].message.card
    assert shown is not None and render.card(shown)["header"]["template"] == "orange"
    confirm, change = (b.id for b in shown.buttons)
    chat.click("bob", confirm)
    after = chat.last.updates[-1].card
    assert after.tone == "waiting"  # carl has not confirmed yet
    chat.click("carl", change)
    assert render.card(chat.last.updates[-1].card)["header"]["template"] == "red"
    chat.say("alice", "/req Beta a pilot in March confirm @bob")
    confirm = chat.last.replies[-1].message.card.buttons[0].id  # type: ignore[union-attr]
    chat.click("bob", confirm)
    assert render.card(chat.last.updates[-1].card)["header"]["template"] == "green"
