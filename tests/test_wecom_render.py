"""WeCom rendering, pure: byte limits and splitting, text, markdown escaping, people, template
cards, task ids, and the bodies the app and the AI bot send."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from typing import Any

import pytest

from adapters.wecom import pieces as cut
from adapters.wecom import render
from bot.outcome import Button, Card, Message


def parts(text: str, limit: int = render.MAX_BYTES) -> list[str]:
    """The app's text in the pieces it is sent in."""
    return cut.parts(text, limit)


ALICE = "\x02alice\x1fAlice\x03"  # a resolved marker: Alice has a WeCom userid
NOBODY = "\x02\x1fBob\x03"  # Bob has no identity on WeCom
MARKER_BYTES = ("\x02", "\x03", "\x1f")


def size(text: str) -> int:
    return len(text.encode())


def dumped(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False)


def width(text: str) -> int:  # in half 字, as the card limits are counted
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def rejoins(pieces: list[str], original: str) -> bool:
    """Whether the pieces, joined with the separators `parts` drops ("\\n", " " or none),
    give back the original (every way of joining is followed, one piece at a time)."""
    ends = {0}  # where the original can stand after the pieces so far
    for k, piece in enumerate(pieces):
        starts = (
            ends if k == 0 else ends | {e + 1 for e in ends if original[e : e + 1] in ("\n", " ")}
        )
        ends = {p + len(piece) for p in starts if original.startswith(piece, p)}
    n = len(original)
    return n in ends or (n - 1 in ends and original[-1] in "\n ")


# ---- parts --------------------------------------------------------------------------------


def test_parts_of_nothing_and_of_what_fits() -> None:
    assert render.MAX_BYTES == 2048
    assert parts("") == []  # nothing to send
    assert parts("hi") == ["hi"]
    assert parts("华" * 682) == ["华" * 682]  # 2046 bytes: fits
    with pytest.raises(ValueError):
        parts("abc", 4)


def test_a_3kb_chinese_text_splits_under_2048_bytes_and_rejoins() -> None:
    text = "华为希望下周一前确认单点登录的报价与交付时间" * 50  # 22 chars × 50 = 3300 bytes
    pieces = parts(text)
    assert len(pieces) == 2
    assert all(0 < size(p) <= 2048 for p in pieces)
    assert "".join(pieces) == text  # no separator in Chinese without spaces: nothing dropped
    assert all(p.encode().decode() == p for p in pieces)
    # the cut falls between characters, and as late as the bytes allow
    assert size(pieces[0]) > 2048 - 3


def test_chinese_prefers_a_cut_after_its_punctuation() -> None:
    sentence = "客户确认了报价，下周签约。"  # 13 chars, 39 bytes
    text = sentence * 80
    pieces = parts(text)
    assert all(size(p) <= 2048 for p in pieces)
    assert pieces[0].endswith("。") and "".join(pieces) == text


def test_an_emoji_on_the_boundary_goes_whole_into_the_next_piece() -> None:
    text = "a" * 2045 + "😀" + "b" * 10  # the emoji's 4 bytes would end at byte 2049
    pieces = parts(text)
    assert pieces == ["a" * 2045, "😀" + "b" * 10]
    family = "👨‍👩‍👧‍👦"  # ZWJ sequence of 7 code points, 25 bytes
    for lead in range(2020, 2048):
        pieces = parts("x" * lead + family + "👍🏻" + "🇨🇳" + "y")
        assert all(size(p) <= 2048 for p in pieces)
        assert family in "".join(pieces) and any(family in p for p in pieces)
        assert any("👍🏻" in p for p in pieces) and any("🇨🇳" in p for p in pieces)


def test_parts_prefer_line_breaks_then_spaces() -> None:
    lines = [f"line {n}: " + "w" * 60 for n in range(60)]  # ~4.2 KB
    pieces = parts("\n".join(lines))
    assert all(size(p) <= 2048 for p in pieces)
    assert "\n".join(pieces) == "\n".join(lines)  # cut only at line breaks, which are dropped
    words = " ".join(["word"] * 1000)  # one 5 KB line
    pieces = parts(words)
    assert all(size(p) <= 2048 and not p.startswith(" ") for p in pieces)
    assert " ".join(pieces) == words and all(p.endswith("word") for p in pieces)
    # a line break early in the room loses to a space late in it
    pieces = parts("ab\n" + "c " * 40, limit=40)
    assert size(pieces[0]) > 30


def test_parts_never_cut_a_person() -> None:
    for lead in range(2030, 2048):
        text = "x" * lead + ALICE + " tail"
        pieces = parts(text)
        assert all(size(p) <= 2048 for p in pieces)
        assert any(ALICE in p for p in pieces), lead
    for lead in range(2030, 2048):
        pieces = parts("y" * lead + "<@zhangsan>" + "z" * 5)
        assert any("<@zhangsan>" in p for p in pieces), lead


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("limit", [2048, 200, 9])
def test_random_texts_rejoin_and_every_piece_fits(seed: int, limit: int) -> None:
    rng = random.Random(seed * 1000 + limit)
    alphabet = [
        *"abcdefgh  .,-",
        *"华为客户签约报价",
        "。",
        "，",
        "😀",
        "👍🏻",
        "🇨🇳",
        "e\u0301",
        "\n",
        "\n\n",
        ALICE,
        "<@li.si>",
    ]
    text = ""
    target = rng.randint(0, 10_000)
    while size(text) < target:
        text += rng.choice(alphabet)
    pieces = parts(text, limit)
    assert all(0 < size(p) <= limit for p in pieces)
    assert rejoins(pieces, text)
    if limit >= 32:  # a person fits whole: none is cut
        assert sum(p.count(ALICE) for p in pieces) == text.count(ALICE)
        assert sum(p.count("<@li.si>") for p in pieces) == text.count("<@li.si>")


# ---- text ---------------------------------------------------------------------------------


def test_text_names_people_by_id_translation_and_leaks_no_marker_byte() -> None:
    out = render.text(f"Hi {ALICE}, ask {NOBODY}\x03 about \x02\x1f it \x02" + "7\x03")
    assert out == "Hi $userName=alice$, ask @Bob about  it @?"  # WeCom shows alice's name
    assert not any(b in out for b in MARKER_BYTES)
    assert render.text("a\r\nb\rc") == "a\nb\nc"


def test_text_keeps_what_people_typed_but_no_link_from_it() -> None:
    typed = '<a href="http://evil">pay here</a> **x** [a](b) 3 < 4 <@all>'
    out = render.text(typed)
    assert out == '＜a href="http://evil">pay here＜/a> **x** [a](b) 3 < 4 <@all>'
    assert "<a" not in out
    assert render.text("华为 ¥50万 下周一 👍🏻") == "华为 ¥50万 下周一 👍🏻"
    # what people typed never becomes WeCom's id translation
    assert render.text("pay $userName=boss$ now") == "pay ＄userName=boss$ now"
    assert render.text("\x02\x1f<a href=x>Eve\x03") == "@＜a href=x>Eve"  # names too


# ---- markdown -----------------------------------------------------------------------------


def test_markdown_mentions_people_by_userid() -> None:
    assert render.markdown(f"{ALICE} owes {NOBODY} a call") == "<@alice> owes @Bob a call"
    assert render.markdown(f"{ALICE} owes", notify=False) == "@Alice owes"
    # an id WeCom cannot have, or "all", never becomes a mention
    assert render.markdown("\x02a b>\x1fEve\x03") == "@Eve"
    assert render.markdown("\x02ALL\x1fEve\x03") == "@Eve"
    assert render.markdown("\x02\x1f*Eve*\x03 \x02_x\x1f<Mal>\x03") == "@＊Eve＊ @＜Mal>"
    assert not any(b in render.markdown(f"{ALICE}\x03\x02\x1f") for b in MARKER_BYTES)


def test_hostile_markdown_shows_as_typed_and_notifies_no_one() -> None:
    md = render.markdown
    assert md("**x**") == "＊＊x＊＊"
    assert md("[a](http://evil)") == "［a］(http://evil)"
    assert md("![x](http://img)") == "!［x］(http://img)"
    assert md("<@all> hi") == "＜@all> hi"
    assert md('<font color="warning">red</font>') == '＜font color="warning">red＜/font>'
    assert md("<think>x</think> `c` ~~s~~ _i_ a|b \\*") == (
        "＜think>x＜/think> ｀c｀ ～～s～～ ＿i＿ a｜b ＼＊"
    )
    assert md("&lt;b&gt; &#60; R&D") == "＆lt;b＆gt; ＆#60; R&D"
    out = md(f'<@all> <@zhangsan> <font color="info">x</font> {ALICE}')
    assert re.findall("<[^<]*>", out) == ["<@alice>"]  # the one tag is ours


def test_markdown_neutralises_line_starts_only_at_line_start() -> None:
    assert render.markdown("# h\n> q\n- a\n+ b\n1. c\n2) d\n---\n===\n    code\n\tt") == (
        "＃ h\n＞ q\n－ a\n＋ b\n1． c\n2） d\n－--\n＝==\n"
        + "\u00a0" * 4
        + "code\n"
        + "\u00a0" * 4
        + "t"
    )
    mid = "x-y costs 3.14 at 10:30, a > b, (note) #12 +1 =2 see http://a.io/b-c 2024.5 ok"
    assert render.markdown(mid) == mid
    assert render.markdown("客户说：“好的” 👍🏻 ¥50万") == "客户说：“好的” 👍🏻 ¥50万"
    # a line that starts with a person is not a list, and what follows stays
    assert render.markdown(f"{ALICE}- ok\n- {ALICE}") == "<@alice>- ok\n－ <@alice>"


# ---- card ---------------------------------------------------------------------------------

DEAL = Card(
    key="req:3",
    title=f"Requirement R3 · {ALICE}",
    body="Customer's words: **SSO** with <@all>\n- v1: SSO",
    fields=(("Status", "waiting"), ("确认人", f"{ALICE} ✓, {NOBODY} pending")),
    buttons=(
        Button(id="req.confirm:3:2", label="Confirm", style="primary"),
        Button(id="req.reject:3:2", label="Reject", style="danger"),
        Button(id="req.change:3:2", label="Change"),
    ),
    fallback="Requirement R3",
)


def test_card_is_a_button_interaction_template_card() -> None:
    out = render.card(DEAL, task_id="t-1")
    assert out == {
        "card_type": "button_interaction",
        "main_title": {"title": "Requirement R3 · @Alice"},
        "sub_title_text": "Customer's words: **SSO** with <@all>\n- v1: SSO",  # plain: as typed
        "horizontal_content_list": [
            {"keyname": "Status", "value": "waiting"},
            {"keyname": "确认人", "value": "@Alice ✓, @Bob pending"},
        ],
        "button_list": [
            {"text": "Confirm", "style": 1, "key": "req.confirm:3:2"},
            {"text": "Reject", "style": 3, "key": "req.reject:3:2"},
            {"text": "Change", "style": 2, "key": "req.change:3:2"},
        ],
        "task_id": "t-1",
    }
    assert not any(b in dumped(out) for b in MARKER_BYTES)


def test_a_clicked_card_shows_who_in_its_quote_area() -> None:
    out = render.card(DEAL, task_id="t", clicked=f"{ALICE} · 已确认")
    assert out["quote_area"] == {"quote_text": "@Alice · 已确认"}
    assert out["button_list"] and out["sub_title_text"].startswith("Customer's")
    assert "quote_area" not in render.card(DEAL, task_id="t")
    hostile = render.card(DEAL, task_id="t", clicked="<@all>\n*Mal*\x03")["quote_area"]
    assert hostile == {"quote_text": "<@all> *Mal*"}  # one line, as typed, no marker byte


def test_card_limits_are_kept_with_an_ellipsis() -> None:
    many = Card(
        key="k",
        title="T" * 80,
        body="\n".join(f"第{n}行 detail" for n in range(40)),
        fields=tuple((f"key number {n}", "值" * 40) for n in range(9)),
        buttons=tuple(Button(id=f"b:{n}", label=f"{n} " + "L" * 30) for n in range(9)),
    )
    out = render.card(many, task_id="t")
    title = out["main_title"]["title"]
    assert width(title) <= 2 * 26 and title.endswith("…") and title.startswith("T" * 40)
    sub = out["sub_title_text"]
    assert width(sub) <= 2 * 112 and sub.endswith("\n…")
    kept = sub.split("\n")[:-1]
    assert kept == [f"第{n}行 detail" for n in range(len(kept))] and len(kept) > 10
    fields = out["horizontal_content_list"]
    assert len(fields) == 6
    assert all(width(f["keyname"]) <= 10 and f["keyname"].endswith("…") for f in fields)
    assert all(f["value"] == "值" * 25 + "…" for f in fields)
    buttons = out["button_list"]
    assert [b["key"] for b in buttons] == [f"b:{n}" for n in range(6)]
    assert all(width(b["text"]) <= 20 and b["text"].endswith("…") for b in buttons)
    # Chinese counts one 字 a character: ten fit a button, five a key name
    zh = render.card(
        Card(
            key="k",
            title="标题",
            fields=(("五个字的键", "v"),),
            buttons=(Button(id="b", label="十个字的按钮文案好长"),),
        ),
        task_id="t",
    )
    assert zh["horizontal_content_list"][0]["keyname"] == "五个字的键"
    assert zh["button_list"][0]["text"] == "十个字的按钮文案好长"


def test_card_cuts_never_split_a_person() -> None:
    long_name = "\x02wang.wu\x1fWang Wu the Third of Shenzhen\x03"
    out = render.card(
        Card(
            key="k",
            title="x" * 40 + long_name,
            fields=(("Who", "y" * 30 + long_name),),
            buttons=(Button(id="b", label="ok"),),
        ),
        task_id="t",
    )
    assert out["main_title"]["title"] == "x" * 40 + "…"
    assert out["horizontal_content_list"][0]["value"] == "y" * 30 + "…"


def test_card_buttons_styles_and_keys() -> None:
    out = render.card(
        Card(
            key="k",
            title="T",
            buttons=(
                Button(id="a", label="A", style="primary"),
                Button(id="a", label="again", style="danger"),  # a repeated key: left out
                Button(id="k" * 1025, label="too long"),  # over 1024 bytes: left out
                Button(id="键" * 341, label="max", style="weird"),  # 1023 bytes: kept
                Button(id="c", label=ALICE, style="danger"),
            ),
        ),
        task_id="t",
    )
    assert [(b["key"][:2], b["style"], b["text"]) for b in out["button_list"]] == [
        ("a", 1, "A"),
        ("键键", 2, "max"),
        ("c", 3, "@Alice"),
    ]
    assert render.STYLES == {"primary": 1, "default": 2, "danger": 3}


def test_a_card_without_a_title_takes_its_first_line() -> None:
    out = render.card(Card(key="k", title="", body="\nfirst line\nsecond"), task_id="t")
    assert out["main_title"] == {"title": "first line"}
    assert out["button_list"] == [] and out["task_id"] == "t"


# ---- task_id ------------------------------------------------------------------------------


def test_task_ids_are_wecom_safe_stable_and_distinct() -> None:
    keys = ["req:3", "req_3", "req-3", "push:7:提醒", "", "x" * 10_000, "a@b c/d"]
    ids = [render.task_id(k) for k in keys]
    assert all(re.fullmatch(r"[0-9A-Za-z_\-@]{1,128}", t) for t in ids)
    assert all(len(t.encode()) <= 128 for t in ids)
    assert len(set(ids)) == len(keys)
    assert ids == [render.task_id(k) for k in keys]  # stable
    assert ids[0].startswith("req_3-") and ids[6].startswith("a@b_c_d-")


# ---- message (the app) --------------------------------------------------------------------


def test_message_sends_text_parts() -> None:
    assert render.message(Message(text=f"hi {ALICE}"), task_id="t") == [
        {"msgtype": "text", "text": {"content": "hi $userName=alice$"}}
    ]
    assert render.message(Message(text=""), task_id="t") == []
    long = "\n".join(f"第{n}行：客户希望下周确认报价" for n in range(200))  # ~9 KB
    bodies = render.message(Message(text=long), task_id="t")
    assert len(bodies) > 4 and all(b["msgtype"] == "text" for b in bodies)
    contents = [b["text"]["content"] for b in bodies]
    assert all(size(c) <= 2048 for c in contents) and "\n".join(contents) == long


def test_message_sends_its_words_then_the_card() -> None:
    bodies = render.message(Message(text=f"New for {ALICE}", card=DEAL), task_id="req-3-x")
    assert [b["msgtype"] for b in bodies] == ["text", "template_card"]
    assert bodies[0]["text"]["content"] == "New for $userName=alice$"
    assert bodies[1]["template_card"] == render.card(DEAL, task_id="req-3-x")
    only = render.message(Message(card=DEAL), task_id="t")
    assert [b["msgtype"] for b in only] == ["template_card"]


def test_a_card_without_buttons_is_sent_as_words() -> None:
    note = Card(key="k", title="Note", body="just words", fallback=f"Note for {ALICE}")
    assert render.message(Message(text="above", card=note), task_id="t") == [
        {"msgtype": "text", "text": {"content": "above\n\nNote for $userName=alice$"}}
    ]
    bare = Card(key="k", title="Note", body="b", fields=(("k", "v"),))
    assert render.message(Message(card=bare), task_id="t") == [
        {"msgtype": "text", "text": {"content": "Note\nb\nk：v"}}
    ]


# ---- bot_reply (the AI bot) ---------------------------------------------------------------


def test_bot_reply_is_markdown_with_mentions_then_the_card() -> None:
    bodies = render.bot_reply(Message(text=f"{ALICE} **please** check", card=DEAL), task_id="t")
    assert bodies == [
        {"msgtype": "markdown", "markdown": {"content": "<@alice> ＊＊please＊＊ check"}},
        {"msgtype": "template_card", "template_card": render.card(DEAL, task_id="t")},
    ]
    quiet = render.bot_reply(Message(text=f"{ALICE} hi"), task_id="t", notify=False)
    assert quiet == [{"msgtype": "markdown", "markdown": {"content": "@Alice hi"}}]
    assert render.bot_reply(Message(), task_id="t") == []


def test_bot_reply_splits_at_20kb_and_each_piece_starts_a_clean_line() -> None:
    assert render.BOT_MAX_BYTES == 20480
    text = "\n".join(f"- 第{n}项 <@all> **x**" for n in range(2000))  # ~60 KB
    contents = [b["markdown"]["content"] for b in render.bot_reply(Message(text=text), task_id="t")]
    assert len(contents) >= 3 and all(size(c) <= 20480 for c in contents)
    assert all(c.startswith("－ 第") for c in contents)
    assert "<" not in "".join(contents)


def test_a_cut_mid_line_escapes_the_new_line_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "BOT_MAX_BYTES", 24)
    text = "aaaa bbbb cccc dddd - eeee # ffff 12. gggg\n" + f"x {ALICE} " * 6
    contents = [b["markdown"]["content"] for b in render.bot_reply(Message(text=text), task_id="t")]
    assert all(size(c) <= 24 for c in contents)
    for c in contents:
        assert not re.match(r"[ \t]*([-+=#>]|\d+[.)]([ \t]|$))", c), c
    assert sum(c.count("<@alice>") for c in contents) == 6  # no mention cut in half
