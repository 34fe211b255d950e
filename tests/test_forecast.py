"""Issue 22 item 4: /forecast (/预测) — won, committed, weighted and best case per rep and for
the team against the goal, each stage's rate said with how it was found, and a past
quarter's forecast against what was won. Real Bot, real store (SQLite and PostgreSQL); the
clock is the chat's, never today's."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bot.config import check_config
from bot.forecast_rules import ForecastRules
from storage.forecasts import ForecastSnapshot
from storage.models import Deal, Person, Target
from tests.chat import Chat


def _rules(chat: Chat, needed: int) -> None:
    rules = ForecastRules(min_closed_deals=needed)
    chat.bot.settings = replace(chat.bot.settings, forecast=rules)


def _goal(chat: Chat, name: str, period: str, won: str, currency: str = "USD") -> None:
    with chat.bot.sessions.begin() as s:
        person = s.scalars(select(Person).where(Person.display_name == name)).one()
        s.add(
            Target(
                tenant_id=person.tenant_id,
                person_id=person.id,
                period=period,
                won_amount=Decimal(won),
                currency=currency,
            )
        )


def _team(chat: Chat) -> None:
    """bob leads alice and carl; dave sells in another team. Closed this quarter by alice: three
    won (10k each, straight from lead), one lost in lead, one lost after reaching proposal."""
    chat.say("boss", "/team east @bob @alice @carl")
    chat.say("boss", "/team west @wendy @dave")
    for name in ("W1", "W2", "W3"):
        chat.say("alice", f"/deal {name} new deal 10k")
        chat.say("alice", f"/deal {name} won")
    chat.say("alice", "/deal L1 new deal 5k")
    chat.say("alice", "/deal L1 lost no budget")
    chat.say("alice", "/deal L2 new deal 5k")
    chat.say("alice", "/deal L2 stage proposal")
    chat.say("alice", "/deal L2 lost price")
    # open, expected to close this quarter (2026-Q4) unless said otherwise
    chat.say("alice", "/deal Acme new platform 100k")
    chat.say("alice", "/deal Acme stage proposal")
    chat.say("alice", "/deal Acme close 2026-12-15")
    chat.say("alice", "/deal Beta new pilot 50k")
    chat.say("alice", "/deal Beta stage quote")
    chat.say("alice", "/deal Beta close 2026-12-20")
    chat.say("alice", "/deal Gamma new later 10k")
    chat.say("alice", "/deal Gamma close 2027-01-15")  # next quarter: not in this one
    chat.say("alice", "/deal Delta new undated 40k")  # no expected close: left out, counted
    chat.say("carl", "/deal Omega new renewal 20k")
    chat.say("carl", "/deal Omega close 2026-12-01")
    chat.say("dave", "/deal Zeta new other team 70k")
    chat.say("dave", "/deal Zeta close 2026-12-01")
    chat.at("2026-11-30 11:00")  # an hour on: the wins are behind us


def test_weighted_best_committed_and_rates_stated_above_and_below_the_threshold(
    sessions,  # type: ignore[no-untyped-def]
) -> None:
    chat = Chat(sessions)
    _team(chat)
    _rules(chat, 4)
    assert "D6 “platform”" in chat.say("alice", "/deal D6 commit")  # Acme's
    _goal(chat, "alice", "2026-Q4", "300000")
    reply = chat.say("bob", "/forecast")
    # lead: 3 won of 5 closed (all reached it); qualify, proposal: 3 of 4 (L1 never left
    # lead); quote, negotiate: only the 3 won reached them, 4 needed → the defaults
    assert "lead 60 % — 3 of 5 closed deals that reached it were won" in reply
    assert "qualify 75 % — 3 of 4 closed deals that reached it were won" in reply
    assert "proposal 75 % — 3 of 4 closed deals that reached it were won" in reply
    assert "quote 60 % — default: only 3 closed deals reached it, 4 needed" in reply
    assert "negotiate 80 % — default: only 3 closed deals reached it, 4 needed" in reply
    # alice: Acme 100k × 75 % + Beta 50k × 60 % = 105k weighted; best 150k; committed Acme;
    # won 30k; goal 300k − (30k + 105k) = 165k
    assert (
        "@alice: won $30,000 · committed $100,000 · weighted $105,000 · best case $150,000"
        " · goal $300,000 · gap $165,000"
    ) in reply
    # carl: Omega, still in lead, 20k × 60 %
    assert "@carl: won $0 · committed $0 · weighted $12,000 · best case $20,000 · no goal" in reply
    assert (
        "Team: won $30,000 · committed $100,000 · weighted $117,000 · best case $170,000"
        " · goal $300,000 · gap $153,000"
    ) in reply
    assert "1 open deal has no expected close and is left out" in reply
    assert "@dave" not in reply and "@bob:" not in reply  # another team's; the lead leads
    assert "No forecast was saved for 2026-Q3" in reply
    # below the threshold everywhere: every rate is the default, and says so
    _rules(chat, 10)
    reply = chat.say("bob", "/forecast")
    assert "proposal 40 % — default: only 4 closed deals reached it, 10 needed" in reply
    assert "@alice: won $30,000 · committed $100,000 · weighted $70,000" in reply  # 40k + 30k


def test_commit_and_uncommit_in_english_and_chinese(sessions) -> None:  # type: ignore[no-untyped-def]
    en = Chat(sessions)
    en.say("alice", "/deal Acme new platform 100k")
    assert "D1 “platform” $100,000 (Acme) is committed" in en.say("alice", "/deal D1 commit")
    with en.bot.sessions() as s:
        deal = s.get_one(Deal, 1)
        assert deal.committed and deal.committed_at == en.now
    assert "is no longer committed" in en.say("alice", "/deal Acme uncommit")
    with en.bot.sessions() as s:
        assert not s.get_one(Deal, 1).committed


def test_commit_in_chinese(sessions) -> None:  # type: ignore[no-untyped-def]
    zh = Chat(sessions, tz="Asia/Shanghai", locale="zh_CN")
    zh.say("小李", "/商机 华为 新建 私有化部署项目 50万")
    assert "已标记为承诺" in zh.say("小李", "/商机 D1 承诺")
    zh.say("小李", "/商机 华为 预计成交 2026-12-20")
    reply = zh.say("小李", "/预测 本季度")
    assert "已赢单 0元 · 承诺 50万元 · 加权 5万元 · 最好情况 50万元 · 未设目标" in reply
    assert "首次联系 10% — 默认值：只有 0 个已结束商机到达过该阶段，需要 10 个" in reply
    assert "已取消承诺" in zh.say("小李", "/商机 D1 取消承诺")
    assert "承诺 0元" in zh.say("小李", "/预测")


def test_who_sees_which_forecast(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    _team(chat)
    refused = "That is outside what you can see"
    assert refused in chat.say("alice", "/forecast team")
    assert refused in chat.say("alice", "/forecast @carl")
    own = chat.say("alice", "/forecast")
    assert "@alice: won $30,000" in own and "@carl" not in own and "Team:" not in own
    assert refused in chat.say("bob", "/forecast @dave")  # another team's rep
    assert "@carl: won $0" in chat.say("bob", "/forecast @carl")
    assert "@dave" not in chat.say("bob", "/forecast team")
    assert "@dave: won $0" in chat.say("boss", "/forecast")  # an admin: everyone


def test_bad_period_is_answered(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    assert "is not a period to forecast" in chat.say("alice", "/forecast week")
    assert "“soon” is not a period to forecast" in chat.say("alice", "/forecast soon")
    zh = Chat(sessions, tz="Asia/Shanghai", locale="zh_CN")
    assert "“下周”不是可预测的周期" in zh.say("小李", "/预测 下周")


def test_the_past_quarter_shows_its_first_forecast_against_what_was_won(
    sessions,  # type: ignore[no-untyped-def]
) -> None:
    chat = Chat(sessions)
    _team(chat)
    _rules(chat, 4)
    chat.say("alice", "/deal Acme commit")
    chat.say("bob", "/forecast")  # Nov 30: alice 30k + 105k, carl 12k → 147k said
    chat.at("2026-12-15 10:00")
    chat.say("alice", "/deal Acme won")  # 100k more, alice won 130k in Q4
    chat.say("bob", "/forecast")  # asked again: the first forecast stays
    with chat.bot.sessions() as s:
        kept = s.scalars(select(ForecastSnapshot).where(ForecastSnapshot.period == "2026-Q4"))
        assert sum(r.won + r.weighted for r in kept) == Decimal(147000)
    chat.at("2027-01-05 10:00")
    reply = chat.say("bob", "/forecast")
    # (147k − 130k) / 130k = 13 %
    assert "2026-Q4: forecast on Mon Nov 30, 2026 $147,000 (won then + weighted); won $130,000" in (
        reply
    )
    assert "error +13 %" in reply
    assert "Forecast for 2027-Q1" in reply


def test_forecast_config_is_checked(tmp_path: Path) -> None:
    def problems(text: str) -> list[str]:
        path = tmp_path / "dealbot.toml"
        path.write_text(text, encoding="utf-8")
        return check_config(path, env={})

    assert problems("[forecast]\nmin_closed_deals = 5\nhistory_months = 6") == []
    assert problems("[forecast]\nwin_rates = { lead = 1.5 }") == [
        "forecast.win_rates.lead: must be a share between 0 and 1 (0.4 is 40 %), not 1.5"
    ]
    assert problems("[forecast]\nwin_rates = { leed = 0.1 }") == [
        "forecast.win_rates.leed: not an open stage of the pipeline; the open stages are"
        + " lead, qualify, proposal, quote, negotiate"
    ]
    assert problems("[forecast]\nwin_rates = { lead = 0.1 }") == [
        "forecast.win_rates: no rate for the stage qualify, proposal, quote, negotiate"
    ]
    assert problems("[forecast]\nmin_closed_deals = 0") == [
        "forecast.min_closed_deals: must be greater than 0"
    ]
    assert problems("[forecast]\nhistory_months = 200") == [
        "forecast.history_months: must be between 1 and 120"
    ]
