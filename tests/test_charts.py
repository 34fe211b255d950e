"""Issue 21.7–8, charts: the funnel and targets drawn as PNGs (a sane size, Chinese drawn in a
CJK font and never as boxes), the same charts as Feishu chart elements, and the views that
carry them: /pipeline team, /progress and the manager's morning digest.

Drawing warnings are errors here: matplotlib says "Glyph … missing from font(s)" when it draws
a box for a character its fonts lack.
"""

from __future__ import annotations

import io
import json
import logging
import struct
import warnings
from decimal import Decimal

import pytest
from sqlalchemy import select

from adapters.feishu.chart import chart_card
from adapters.feishu.render import MAX_BYTES
from bot import charts, targets_chart
from bot.charts import draw_funnel, fonts
from bot.charts.colours import metric_colour, stage_colour
from bot.delivery import message_from_dict, message_to_dict
from bot.outcome import Chart, ChartSeries, Message
from storage.models import Person
from storage.transit import OutboxItem
from tests.chat import Chat, Clockwork

STAGES_ZH = ("首次联系", "需求确认", "方案递交", "报价跟进", "签约前沟通", "赢单", "输单")
KEYS = ("lead", "qualify", "proposal", "quote", "negotiate", "won", "lost")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 200 * 1024


def funnel_zh(labels: tuple[str, ...] = STAGES_ZH) -> Chart:
    counts = (12, 9, 7, 6, 4, 3, 2)
    return Chart(
        kind="funnel",
        title="团队销售漏斗：共43个进行中的商机",
        labels=labels,
        keys=KEYS[: len(labels)],
        series=(
            ChartSeries(
                name="商机数",
                key="deals",
                values=tuple(float(n) for n in counts[: len(labels)]),
                notes=tuple(f"{n} 个 · {n * 30}万元" for n in counts[: len(labels)]),
            ),
            ChartSeries(
                name="金额（万元）", key="amount", values=(360.0, 270, 210, 180, 120, 90, 60)
            ),
        ),
        unit="万元",
        locale="zh_CN",
    )


def targets_zh(reps: int = 20) -> Chart:
    names = tuple(f"销售{n:02d}号" for n in range(reps))
    metrics = (("calls", "电话", 60), ("visits", "拜访", 12), ("won", "赢单", 500_000))
    series = tuple(
        ChartSeries(
            name=name,
            key=key,
            values=tuple(float(goal * (n % 7) / 5) for n in range(reps)),
            goals=tuple(float(goal if n % 4 else 0) for n in range(reps)),
            notes=tuple(f"{goal * (n % 7) // 5} / {goal}" if n % 4 else "" for n in range(reps)),
        )
        for key, name, goal in metrics
    )
    return Chart(
        kind="targets",
        title="华东团队 2026-12 目标完成情况",
        labels=names,
        series=series,
        locale="zh_CN",
        axis="目标完成率（%）",
    )


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the PNG's IHDR chunk."""
    assert data[:8] == PNG_MAGIC
    return struct.unpack(">II", data[16:24])


def drawn(chart: Chart) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" fails the test
        return charts.png(chart)


# --- the PNG ----------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", [funnel_zh(), targets_zh()], ids=["funnel", "targets"])
def test_a_chart_is_a_png_of_a_sane_size(chart: Chart) -> None:
    data = drawn(chart)
    width, height = png_size(data)
    assert width == 1200 and 200 <= height <= 1100
    assert len(data) <= MAX_PNG_BYTES


def test_the_cjk_font_comes_with_the_install() -> None:
    path = fonts.cjk_font_path()
    assert path is not None and path.stat().st_size > 1_000_000
    assert fonts.families() == (fonts.LATIN_FAMILY, fonts.CJK_FAMILY)


def test_every_chinese_character_is_in_the_fonts_drawn_with() -> None:
    from matplotlib.font_manager import FontProperties, findfont, get_font

    fonts.families()
    covered: set[int] = set()
    for family in fonts.families():
        path = findfont(FontProperties(family=family), fallback_to_default=False)
        covered |= set(get_font(path).get_charmap())
    for chart in (funnel_zh(), targets_zh()):
        said = [chart.title, chart.axis, *chart.labels]
        said += [t for s in chart.series for t in (s.name, *s.notes)]
        missing = {ch for text in said for ch in text if not ch.isspace()} - {
            chr(c) for c in covered
        }
        assert not missing


def test_chinese_labels_draw_as_glyphs_not_boxes() -> None:
    # two labels of the same length: drawn as boxes (one box per missing glyph) they would make
    # the same picture
    one = drawn(funnel_zh(("首次联系", *STAGES_ZH[1:])))
    other = drawn(funnel_zh(("需求确认", *STAGES_ZH[1:])))
    assert one != other


def test_without_a_cjk_font_matplotlib_warns_of_the_boxes() -> None:
    """The check above would catch a font that lost its Chinese: drawn in DejaVu Sans alone,
    matplotlib warns of each missing glyph."""
    fig = draw_funnel.figure(funnel_zh(), (fonts.LATIN_FAMILY,), charts.DPI)
    with pytest.warns(UserWarning, match="missing from font"):
        fig.savefig(io.BytesIO(), format="png")


def test_a_broken_install_without_the_font_still_draws(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fonts, "CJK_PACKAGE", "no_such_font_package")
    with caplog.at_level(logging.WARNING, logger="bot.charts.fonts"):
        assert fonts._register() == (fonts.LATIN_FAMILY,)
    assert "not installed" in caplog.text


def test_a_chart_survives_the_outbox_as_json() -> None:
    chart = targets_zh(3)
    message = Message(attachment=targets_chart.attachment(chart))
    back = message_from_dict(json.loads(json.dumps(message_to_dict(message))))
    assert back == message


# --- Feishu's chart element -------------------------------------------------------------------


def _element(card: dict, tag: str) -> dict:  # type: ignore[type-arg]
    return next(e for e in card["body"]["elements"] if e["tag"] == tag)


def test_feishu_funnel_card_has_the_numbers_and_the_stage_colours() -> None:
    card = chart_card(funnel_zh())
    assert card["schema"] == "2.0"
    assert card["header"]["title"]["content"] == "团队销售漏斗：共43个进行中的商机"
    spec = _element(card, "chart")["chart_spec"]
    assert spec["type"] == "funnel"
    assert spec["categoryField"] == "stage" and spec["valueField"] == "deals"
    values = spec["data"][0]["values"]
    assert [v["stage"] for v in values] == list(STAGES_ZH)
    assert [v["deals"] for v in values] == [12, 9, 7, 6, 4, 3, 2]
    assert values[0]["amount"] == 360.0 and values[0]["note"] == "12 个 · 360万元"
    assert spec["color"]["range"] == [stage_colour(n) for n in range(7)]
    words = _element(card, "markdown")["content"]
    assert "**首次联系**  12 个 · 360万元" in words


def test_feishu_targets_card_is_a_bar_per_rep_and_metric_against_the_goal() -> None:
    card = chart_card(targets_zh(20))
    element = _element(card, "chart")
    spec = element["chart_spec"]
    assert spec["type"] == "bar" and spec["direction"] == "horizontal"
    assert spec["yField"] == ["rep", "metric"] and spec["seriesField"] == "metric"
    assert spec["markLine"] == [{"x": 100}]
    assert spec["color"]["range"] == [metric_colour(k) for k in ("calls", "visits", "won")]
    values = spec["data"][0]["values"]
    assert {"rep": "销售01号", "metric": "电话", "percent": 20.0} in values
    assert not [v for v in values if v["rep"] == "销售00号"]  # no goal, no bar
    assert element["height"] == "999px"
    assert "**销售01号**  电话 12 / 60 · 拜访 2 / 12" in _element(card, "markdown")["content"]
    assert len(json.dumps(card, ensure_ascii=False).encode()) <= MAX_BYTES


# --- the views that carry them ----------------------------------------------------------------


def team(chat: Chat) -> None:
    chat.say("boss", "/team east @bob @alice @carl")
    chat.say("alice", "/deal Acme new 40-seat license 120k")
    chat.say("alice", "/deal Acme stage proposal")
    chat.say("carl", "/deal Globex new pilot 30k")
    chat.say("carl", "/deal Initech new renewal 45k")


def test_pipeline_team_replies_with_the_funnel_after_the_text(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-11-30 09:00")
    team(chat)
    outcome = chat.send(chat.event("bob", "/pipeline team"))
    text, picture = outcome.replies
    assert text.message.text.startswith("Pipeline — your team: 3 open deals")
    assert picture.private and picture.message.text == ""
    attachment = picture.message.attachment
    assert attachment is not None and attachment.name == "funnel.png"
    chart = attachment.chart
    assert chart is not None and chart.kind == "funnel" and chart.locale == "en"
    assert attachment.title == chart.title == "Pipeline — your team: 3 open deals"
    assert chart.labels == ("lead", "qualify", "proposal", "quote", "negotiate")
    assert chart.keys == chart.labels
    deals, amount = chart.series
    assert deals.values == (2, 0, 1, 0, 0)
    assert deals.notes == (
        "2 deals · $75,000",
        "0 deals",
        "1 deal · $120,000",
        "0 deals",
        "0 deals",
    )
    assert amount.values == (75_000, 0, 120_000, 0, 0) and amount.name == "Amount (USD)"


def test_pipeline_team_in_chinese_counts_in_wan(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz="Asia/Shanghai", locale="zh_CN", now="2026-11-30 09:00")
    chat.say("老板", "/团队 华东 @王经理 @小李")
    chat.say("小李", "/商机 华为 新建 私有化部署项目 50万")
    chat.say("小李", "/商机 腾讯 新建 试点 30万")
    chart = chat.send(chat.event("王经理", "/漏斗 团队")).replies[-1].message.attachment.chart
    assert chart is not None
    assert chart.title == "团队销售漏斗：共2个进行中的商机"
    assert chart.labels == ("首次联系", "需求确认", "方案递交", "报价跟进", "签约前沟通")
    assert chart.series[0].notes[0] == "2 个 · 80万元"
    assert chart.series[1].values[0] == 80.0 and chart.series[1].name == "金额（万元）"
    assert chart.unit == "万元"
    drawn(chart)  # and it draws without a box


def test_no_funnel_for_an_empty_pipeline_nor_for_a_reps_own(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-11-30 09:00")
    chat.say("boss", "/team east @bob @alice")
    assert len(chat.send(chat.event("bob", "/pipeline team")).replies) == 1  # nothing to draw
    chat.say("alice", "/deal Acme new license 120k")
    assert len(chat.send(chat.event("alice", "/pipeline")).replies) == 1


def test_progress_replies_with_the_targets_chart(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-11-30 09:00")
    chat.say("boss", "/team east @bob @alice @carl")
    chat.say("bob", "/target @alice 2026-11 calls=60 visits=12 won=500k")
    chat.say("alice", "/log Acme call pricing")
    chat.say("alice", "/log Acme call follow-up")
    chat.say("alice", "/log Acme visit demo")
    text, picture = chat.send(chat.event("alice", "/progress month")).replies
    assert "calls 2 / 60" in text.message.text
    attachment = picture.message.attachment
    assert picture.private and attachment is not None and attachment.name == "targets.png"
    chart = attachment.chart
    assert chart is not None and chart.kind == "targets"
    assert chart.title == "Targets — alice, month 2026-11"
    assert chart.labels == ("alice",) and chart.axis == "% of the target reached"
    assert [(s.key, s.name) for s in chart.series] == [
        ("calls", "calls"),
        ("visits", "visits"),
        ("won", "won"),
    ]
    assert [s.values for s in chart.series] == [(2,), (1,), (0,)]
    assert [s.goals for s in chart.series] == [(60,), (12,), (500_000,)]
    assert [s.notes for s in chart.series] == [("2 / 60",), ("1 / 12",), ("$0 / $500,000",)]
    drawn(chart)
    # no target: nothing to measure against, no chart
    assert len(chat.send(chat.event("carl", "/progress month")).replies) == 1


def test_the_morning_digest_pushes_the_teams_funnel_after_it(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-11-30 09:00")  # Monday
    team(chat)
    clock = Clockwork(chat)
    # ten days on, every deal is stale: the digest has something to say
    sent = [(who, text) for who, text in clock.tick("2026-12-10 09:00") if who == "bob"]
    assert sent[0][1].startswith("Good morning.") and sent[1] == ("bob", "")
    with chat.bot.sessions() as s:
        bob = s.scalars(select(Person).where(Person.display_name == "bob")).one()
        rows = s.scalars(
            select(OutboxItem)
            .where(OutboxItem.dedup_key.like(f"digest:{bob.id}:%"))
            .order_by(OutboxItem.id)
        ).all()
    assert [r.dedup_key for r in rows] == [
        f"digest:{bob.id}:2026-12-10",
        f"digest:{bob.id}:2026-12-10:chart",
    ]
    attachment = message_from_dict(rows[1].payload).attachment
    assert attachment is not None and attachment.chart is not None
    chart = attachment.chart
    assert chart.title == "Pipeline — your team: 3 open deals"
    assert chart.series[0].values == (2, 0, 1, 0, 0)
    assert chart.series[1].values == (75_000, 0, 120_000, 0, 0)
    # once, like the digest: a later run that morning sends neither again
    assert [t for who, t in clock.tick("2026-12-10 10:00") if who == "bob"] == []


def test_target_notes_say_money_as_the_text_does() -> None:
    from bot.i18n import Words

    words = Words()
    note = words(
        "zh_CN", "charts.target_note", actual=Decimal(350_000), goal=500_000, currency="CNY"
    )
    assert note == "35万元 / 50万元"
