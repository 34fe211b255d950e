"""examples/week.txt and examples/week_zh.txt through the real `dealbot console`: two weeks of
a team with a month's goal set for the team and split evenly, touches, stage moves, a win and
a loss — and the weekly review that follows, its numbers checked against the script by hand.

The definitions (bot/stage_flow.py): a stage's conversion is the share of the deals that left
it in the week that left forward (to a later stage, or won); days in stage is the mean of
calendar days from a deal's entry into the stage to its leaving; the 8 weeks before the week
are in brackets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_console import ROOT, run_console


def play(name: str, zone: str, tmp_path: Path) -> str:
    script = (ROOT / "examples" / name).read_text()
    return run_console(script, tmp_path / "week.db", "--tz", zone)


def between(out: str, start: str, end: str) -> str:
    assert start in out and end in out, (start, end)
    return out[out.index(start) : out.index(end)]


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> str:
    return play("week.txt", "America/New_York", tmp_path_factory.mktemp("week"))


@pytest.fixture(scope="module")
def tour_zh(tmp_path_factory: pytest.TempPathFactory) -> str:
    return play("week_zh.txt", "Asia/Shanghai", tmp_path_factory.mktemp("week_zh"))


def test_the_review_waits_out_the_holiday_and_goes_to_the_lead(tour: str) -> None:
    # Monday Jan 18, 2027 is Martin Luther King Jr. Day in New York
    assert "(tick 2027-01-18 09:00: nothing due)" in tour
    tuesday = between(tour, ":tick 2027-01-19 09:00", "[alice] /review")
    assert "→ @bob: 📋 Weekly review of east, week 2027-W02 (Jan 11 – Jan 17)" in tuesday
    # the words, then the funnel and the goals against actuals, each its own push
    assert "→ @bob: [chart: Pipeline — east: 1 open deal]" in tuesday
    assert "→ @bob: [chart: Targets — east, month 2027-01]" in tuesday


def test_the_reviews_goals_against_the_script(tour: str) -> None:
    review = between(tour, ":tick 2027-01-19 09:00", "[alice] /review")
    # no goal for the week: January's, counted to the week's end (Jan 17). The team's
    # won=300k calls=40 split evenly: 150k and 20 calls each.
    assert "Goals, month 2027-01 to the week's end:" in review
    # alice: calls Jan 4 + Jan 13 = 2, the visit of Jan 6 → touches 3; D1 won $100,000:
    # gap 150,000 − 100,000 = 50,000; calls gap 20 − 2 = 18
    assert (
        "@alice: calls 2 / 20 (gap 18) · won $100,000 / $150,000 (gap $50,000) · touches 3"
        in review
    )
    # carl: calls Jan 4 + Jan 11 = 2, nothing won
    assert "@carl: calls 2 / 20 (gap 18) · won $0 / $150,000 (gap $150,000) · touches 2" in review
    # team: 4 / 40 → gap 36; 100,000 / 300,000 → gap 200,000
    assert (
        "team: calls 4 / 40 (gap 36) · won $100,000 / $300,000 (gap $200,000) · touches 5" in review
    )


def test_the_reviews_conversion_and_days_in_stage_against_the_script(tour: str) -> None:
    review = between(tour, ":tick 2027-01-19 09:00", "[alice] /review")
    # lead, this week: D3 left forward (Jan 11 09:00 → Jan 13 15:00 = 2.25 d → 2.3) → 1 of 1
    # = 100 %; the 8 weeks before: D1 and D2 left forward after 2.0 d each (Jan 4 → Jan 6)
    assert "lead: 1 / 0 / 0 · 100% (100%) · 2.3 d (2.0 d)" in review
    # qualify: D1 forward to proposal (Jan 6 09:00 → Jan 11 09:00 = 5 d), D2 lost (5 d), D3
    # back to lead (Jan 13 15:00 → Jan 14 15:00 = 1 d): 1 of 3 = 33 %, (5 + 5 + 1) / 3 = 3.7 d
    assert "qualify: 1 / 1 / 1 · 33% (–) · 3.7 d (–)" in review
    # proposal: D1 won (Jan 11 09:00 → Jan 13 15:00 = 2.25 d): 1 of 1
    assert "proposal: 1 / 0 / 0 · 100% (–) · 2.3 d (–)" in review
    assert "quote:" not in review  # no deal left it in nine weeks


def test_the_reviews_wins_losses_and_new_deals(tour: str) -> None:
    review = between(tour, ":tick 2027-01-19 09:00", "[alice] /review")
    assert "Won 1 · $100,000:\n          🎉 D1 “license” $100,000 (Acme) · @alice" in review
    assert "✗ D2 “pilot” $50,000 (Beta) · @carl — price too high" in review
    assert "New deals 1 · $30,000" in review  # D3, Gamma
    assert "No approval decided in the week." in review


def test_a_rep_sees_their_own_part_and_not_anothers(tour: str) -> None:
    own = between(tour, "[alice] /review\n", "[alice] /review @carl")
    assert "Weekly review of @alice, week 2027-W02" in own
    assert "@carl" not in own and "Beta" not in own
    # alice's own qualify: only D1, forward after 5 days
    assert "qualify: 1 / 0 / 0 · 100% (–) · 5.0 d (–)" in own
    refused = between(tour, "[alice] /review @carl", "[bob] /review 2027-W01")
    assert "That is outside what you can see" in refused


def test_the_week_before_on_demand(tour: str) -> None:
    w01 = tour[tour.index("[bob] /review 2027-W01") :]
    assert "week 2027-W01 (Jan 4 – Jan 10)" in w01
    # January to Jan 10: one call each, alice's visit → touches 2
    assert "@alice: calls 1 / 20 (gap 19) · won $0 / $150,000 (gap $150,000) · touches 2" in w01
    assert "lead: 2 / 0 / 0 · 100% (–) · 2.0 d (–)" in w01
    assert "New deals 2 · $150,000" in w01


def test_zh_the_review_comes_after_the_spring_festival_in_chinese(tour_zh: str) -> None:
    # Feb 8–10, 2027 are Spring Festival days off: the review comes on Thursday Feb 11
    assert "(tick 2027-02-08 09:00: nothing due)" in tour_zh
    review = between(tour_zh, ":tick 2027-02-11 09:00", "[小李] /复盘 上周")
    assert "→ @王经理: 📋 华东 周复盘，2027-W05（2月1日 – 2月7日）" in review
    # February's goal, 300万 and 40 calls split evenly; touches of Feb 1–7 only
    assert "目标（2027-02 月初至本周末）：" in review
    assert "@小李：电话 1 / 20（差 19） · 赢单 100万元 / 150万元（差 50万元） · 跟进 1" in review
    assert "团队：电话 2 / 40（差 38） · 赢单 100万元 / 300万元（差 200万元） · 跟进 2" in review
    # the same moves as the English script, two weeks later: the same rates and days
    assert "首次联系：1 / 0 / 0 · 100%（100%） · 2.3 天（2.0 天）" in review
    assert "需求确认：1 / 1 / 1 · 33%（–） · 3.7 天（–）" in review
    assert "方案递交：1 / 0 / 0 · 100%（–） · 2.3 天（–）" in review
    assert "✗ D2“试点项目” 50万元（腾讯） · @小张 — 价格太高" in review
    assert "→ @王经理: [图表：华东的月目标完成情况（2027-02）]" in review


def test_zh_on_demand_and_refused(tour_zh: str) -> None:
    own = between(tour_zh, "[小李] /复盘 上周", "[小李] /复盘 @小张")
    assert "@小李 的周复盘，2027-W05" in own and "腾讯" not in own
    assert "超出你的查看范围" in between(tour_zh, "[小李] /复盘 @小张", "[王经理] /周报 2027-W04")
    w04 = tour_zh[tour_zh.index("[王经理] /周报 2027-W04") :]
    assert "跟进（本周及本月都未设目标）：" in w04  # January has no goal
    assert "首次联系：2 / 0 / 0 · 100%（–） · 2.0 天（–）" in w04


def test_the_months_forecast_against_the_script(tour: str) -> None:
    forecast = tour[tour.index("[bob] /forecast month") :]
    # 2 closed deals (D1 won, D2 lost) < the 10 a stage needs: every rate is the default.
    # D1 (won) reached every open stage; D2 was lost in qualify: lead and qualify 2, the rest 1
    assert "lead 10 % — default: only 2 closed deals reached it, 10 needed" in forecast
    assert "proposal 40 % — default: only 1 closed deal reached it, 10 needed" in forecast
    # expected in January: D3 $30,000 in lead, D4 $40,000 in proposal (committed), both carl's
    # weighted 30,000 × 10 % + 40,000 × 40 % = 3,000 + 16,000 = 19,000; best case 70,000;
    # goal 150,000 each (300k split evenly): carl's gap 150,000 − 19,000 = 131,000
    assert (
        "@carl: won $0 · committed $40,000 · weighted $19,000 · best case $70,000 · "
        "goal $150,000 · gap $131,000" in forecast
    )
    # alice won D1 ($100,000) this month and has nothing open: gap 150,000 − 100,000
    assert "@alice: won $100,000 · committed $0 · weighted $0" in forecast
    # the team: 300,000 − (100,000 + 19,000) = 181,000
    assert (
        "Team: won $100,000 · committed $40,000 · weighted $19,000 · best case $70,000 · "
        "goal $300,000 · gap $181,000" in forecast
    )


def test_zh_the_months_forecast_against_the_script(tour_zh: str) -> None:
    forecast = tour_zh[tour_zh.index("[王经理] /预测 本月") :]
    assert "首次联系 10% — 默认值：只有 2 个已结束商机到达过该阶段，需要 10 个" in forecast
    # 30万 × 10% + 40万 × 40% = 3万 + 16万 = 19万；目标各 150万：小张差 131万
    assert (
        "@小张：已赢单 0元 · 承诺 40万元 · 加权 19万元 · 最好情况 70万元 · 目标 150万元 · "
        "差距 131万元" in forecast
    )
    # 团队：300万 −（100万 + 19万）= 181万
    assert "团队合计：已赢单 100万元 · 承诺 40万元 · 加权 19万元" in forecast
    assert "目标 300万元 · 差距 181万元" in forecast
