"""Issue 9, deals and numbers: won/lost however reached, amounts in Chinese words, lists that
say where they stop, stale in working days, requirement words in /customer, oversized messages.

Every test talks to the real Bot on a real store (SQLite file and PostgreSQL), in English and
in Chinese.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.money import Rates
from bot.settings import Settings
from storage.models import Activity, AuditEntry, Customer, Deal
from tests.chat import Chat


@pytest.fixture
def en(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions)


@pytest.fixture
def zh(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions, tz="Asia/Shanghai", locale="zh_CN")


def rows(chat: Chat, model):  # type: ignore[no-untyped-def]
    with chat.bot.sessions() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def audit(chat: Chat, action: str) -> list[AuditEntry]:
    return [e for e in rows(chat, AuditEntry) if e.action == action]


# --- 7. won and lost are outcomes, whichever way they are reached -------------------------------


def test_stage_won_closes_the_deal_like_won_and_counts(en: Chat) -> None:
    en.say("alice", "/deal Globex new pilot 30k")
    en.say("alice", "/target @alice 2026-11 won=100k")
    reply = en.say("alice", "/deal Globex stage won")
    assert "🎉 D1 “pilot” $30,000 (Globex) won!" in reply
    [deal] = rows(en, Deal)
    assert (deal.status, deal.stage) == ("won", "won")
    assert deal.closed_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert "0 open deals" in en.say("alice", "/pipeline")
    assert "won $30,000 / $100,000" in en.say("alice", "/progress month")
    [won] = audit(en, "deal.won")  # the audit says "won", with the state before and after
    assert (won.detail["before"]["status"], won.detail["before"]["stage"]) == ("open", "lead")
    assert (won.detail["after"]["status"], won.detail["after"]["stage"]) == ("won", "won")
    assert audit(en, "deal.stage") == []


def test_zh_stage_won_closes_the_deal_like_won_and_counts(zh: Chat) -> None:
    zh.say("小李", "/商机 华为 新建 私有化部署项目 50万")
    reply = zh.say("小李", "/商机 华为 阶段 赢单")
    assert "🎉 D1“私有化部署项目” 50万元（华为）赢单！" in reply
    [deal] = rows(zh, Deal)
    assert (deal.status, deal.stage) == ("won", "won")
    assert "共0个进行中的商机" in zh.say("小李", "/漏斗")
    assert "赢单 50万元" in zh.say("小李", "/进度")
    assert len(audit(zh, "deal.won")) == 1


def test_winning_twice_is_refused_naming_the_deal_and_when(en: Chat) -> None:
    en.say("alice", "/deal Globex new pilot 30k")
    en.say("alice", "/deal Globex won")
    en.at("2026-12-02 15:00")
    for line in ("/deal Globex won", "/deal Globex stage won", "/deal Globex D1 won"):
        reply = en.say("alice", line)
        assert "D1 “pilot” (Globex) was already won on Mon Nov 30 10:00, so nothing" in reply
    [deal] = rows(en, Deal)
    assert deal.closed_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # not won again
    assert len(audit(en, "deal.won")) == 1


def test_zh_winning_twice_is_refused_naming_the_deal_and_when(zh: Chat) -> None:
    zh.say("小李", "/商机 华为 新建 私有化部署项目 50万")
    zh.say("小李", "/商机 华为 阶段 赢单")
    zh.at("2026-12-01 09:00")
    for line in ("/商机 华为 阶段 赢单", "/商机 华为 赢单"):
        reply = zh.say("小李", line)
        assert "D1“私有化部署项目”（华为）已于11月30日 周一 10:00赢单，本次未做任何改动。" in reply
        assert "华为暂无进行中的商机" in reply
    assert len(audit(zh, "deal.won")) == 1


def test_stage_lost_closes_the_deal_like_lost(en: Chat, zh: Chat) -> None:
    en.say("alice", "/deal Acme new seats 10k")
    assert "✗ D1 “seats” $10,000 (Acme) lost." in en.say("alice", "/deal Acme stage lost")
    zh.say("小李", "/商机 华为 新建 二期 20万")
    assert "✗ D2“二期” 20万元（华为）输单。" in zh.say("小李", "/商机 华为 阶段 输单")
    assert [(d.status, d.stage) for d in rows(en, Deal)] == [("lost", "lost")] * 2
    assert len(audit(en, "deal.lost")) == 2


# --- 8. amounts in Chinese words; absurd amounts refused ------------------------------------------


def test_zh_amounts_in_chinese_words(zh: Chat) -> None:
    reply = zh.say("小李", "/商机 华为 新建 项目 一百万")
    assert "D1“项目” 100万元" in reply
    assert "十万" not in rows(zh, Deal)[0].title
    assert "金额已更新为 10万元" in zh.say("小李", "/商机 华为 金额 十万")
    assert rows(zh, Deal)[0].amount == Decimal(100000)
    assert "金额已更新为 300万元" in zh.say("小李", "/商机 华为 金额 3百万")
    assert "金额已更新为 约20万元" in zh.say("小李", "/商机 华为 金额 20万左右")
    [deal] = rows(zh, Deal)
    assert (deal.amount, deal.currency) == (Decimal(200000), "CNY")
    reply = zh.say("小李", "/商机 中兴 新建 试点 五十万左右")
    assert "金额为约数：约50万元" in reply
    assert rows(zh, Deal)[1].amount == Decimal(500000)


def test_en_approximate_amounts(en: Chat) -> None:
    en.say("alice", "/deal Acme new seats 10k")
    assert "amount is now about $35,000" in en.say("alice", "/deal Acme amount ~35k")
    assert "amount is now about $40,000" in en.say("alice", "/deal Acme amount about 40k")
    assert "The amount is approximate: about $50,000" in en.say("alice", "/deal Initech new x ~50k")


def test_absurd_amounts_are_refused_and_never_stored(en: Chat, zh: Chat) -> None:
    en.say("alice", "/deal Acme new seats 10k")
    for amount in ("2000000000000", "99999999999999999999999999999999999999", "1.234"):
        reply = en.say("alice", f"/deal Acme amount {amount}")
        assert f"“{amount}” is not an amount I can read" in reply
        assert "at most 1,000,000,000,000" in reply
    reply = en.say("alice", "/deal Globex new pilot 5000000000000")
    assert "“5000000000000” can't be a deal's amount" in reply
    assert "Write it like this: /deal Acme new 40-seat license 120k" in reply
    reply = zh.say("小李", "/商机 华为 新建 项目 十万亿")
    assert "“十万亿”不能作为商机金额：金额最高 1万亿" in reply
    assert "你发送的内容：/商机 华为 新建 项目 十万亿" in reply
    assert "无法识别金额“1000000000000.5”" in zh.say("小李", "/商机 Acme 金额 1000000000000.5")
    assert [(d.title, d.amount) for d in rows(en, Deal)] == [("seats", Decimal(10000))]
    assert [c.name for c in rows(en, Customer)] == ["Acme"]  # Globex, 华为 never created


def test_zh_target_in_chinese_words(zh: Chat) -> None:
    zh.say("王经理", "/帮助")
    reply = zh.say("王经理", "/目标 @王经理 2026-12 赢单=一百万")
    assert "赢单 100万元" in reply


# --- 9. lists say where they stop -----------------------------------------------------------------


def test_pipeline_says_how_many_more(en: Chat, zh: Chat) -> None:
    for n in range(12):
        en.say("alice", f"/deal C{n:02d} new deal {n + 1}k")
    reply = en.say("alice", "/pipeline")
    assert "lead (12)" in reply and reply.count("  • D") == 10
    assert "…and 2 more in lead" in reply
    assert "还有 2 个“首次联系”阶段的商机未列出" in zh.say("alice", "/漏斗")
    en.say("alice", "/deal C00 stage qualify")
    assert "more in qualify" not in en.say("alice", "/pipeline")


def test_customer_history_says_how_many_older(en: Chat, zh: Chat) -> None:
    for n in range(22):
        en.at(f"2026-11-30 10:{n:02d}")
        en.say("alice", f"/log Acme call touch {n}")
    reply = en.say("alice", "/customer Acme")
    assert "“touch 21”" in reply and "“touch 2”" in reply and "“touch 1”" not in reply
    assert "…and 2 earlier touches not shown" in reply
    assert "……还有 2 条更早的记录未列出" in zh.say("alice", "/客户 Acme")


# --- 10. stale means working days, and 0 days over is not stale ---------------------------------


def test_stale_counts_working_days_and_zero_over_is_not_stale(en: Chat) -> None:
    en.say("alice", "/deal Acme new seats 10k")  # Mon Nov 30 10:00
    en.say("alice", "/deal Acme stage negotiate")  # may rest 2 working days
    en.at("2026-12-02 10:01")  # Tue, Wed: 2 working days, 0 over
    assert "⚠ stale" not in en.say("alice", "/digest")
    en.at("2026-12-03 09:00")
    assert "D1 “seats” $10,000 — Acme, stage negotiate, 1 working day over" in en.say(
        "alice", "/digest"
    )
    en.at("2026-12-07 09:00")  # the weekend does not count: Tue-Fri and Mon are 5
    assert "3 working days over" in en.say("alice", "/digest")


def test_zh_stale_counts_the_tenants_holidays(zh: Chat) -> None:
    zh.bot.settings = Settings(timezone="Asia/Shanghai", locale="zh_CN", holidays="CN")
    zh.at("2026-09-30 10:00")  # Wed, the day before National Day
    zh.say("小李", "/商机 华为 新建 项目 50万")
    zh.say("小李", "/商机 华为 阶段 签约前沟通")
    zh.at("2026-10-09 10:00")  # Oct 1-7 off: Oct 8 and 9 are its 2 working days
    assert "⚠ 停滞" not in zh.say("小李", "/日报")
    zh.at("2026-10-10 10:00")  # a make-up working Saturday
    reply = zh.say("小李", "/日报")
    assert "⚠ 停滞：D1“项目” 50万元 — 华为，阶段：签约前沟通，已超期1个工作日" in reply


# --- /customer shows each requirement's current words -------------------------------------------


def test_customer_lists_requirements_with_their_current_words(en: Chat, zh: Chat) -> None:
    en.say("alice", "/req Acme Single sign-on with our Azure AD tenant confirm @bob")
    reply = en.say("alice", "/customer Acme")
    assert "R1 v1 — waiting for confirmation: “Single sign-on with our Azure AD tenant”" in reply
    en.say("alice", "/req R1 SSO with Azure AD and SCIM provisioning")
    reply = en.say("alice", "/customer Acme")
    assert "R1 v2 — waiting for confirmation: “SSO with Azure AD and SCIM provisioning”" in reply
    zh.say("小李", "/需求 华为 支持私有化部署，数据不出机房 确认人 @王经理")
    reply = zh.say("小李", "/客户 华为")
    assert "R2 v1 — 待确认：“支持私有化部署，数据不出机房”" in reply


# --- an oversized message: quote what can be shown, say the rest was not saved -------------------


def test_oversized_message_quotes_at_most_3000_and_says_the_rest_was_not_saved(
    en: Chat, zh: Chat
) -> None:
    line = "/log Acme call " + "x" * 9000
    reply = en.say("alice", line)
    assert line[:3000] in reply and line[:3001] not in reply
    assert "Your text, its first 3000 characters:" in reply
    assert "… and 6015 more characters, not shown here and not saved" in reply
    line = "/记录 华为 电话 " + "长" * 5000
    reply = zh.say("小李", line)
    assert line[:3000] in reply and line[:3001] not in reply
    assert "……其余2010个字符未显示，也未保存" in reply
    assert rows(en, Activity) == []


def test_ambiguous_names_say_the_list_may_go_on(en: Chat, zh: Chat) -> None:
    for n in range(12):
        en.say("alice", f"/log Acme{n:02d} call hello")
    reply = en.say("alice", "/log Acme call which?")
    assert "“Acme09”" in reply and "“Acme10”" not in reply
    assert "the first 10 by name; there may be more, so type more of the name" in reply
    reply = zh.say("alice", "/记录 Acme 电话 哪个？")
    assert "按名称只列出前10个，可能还有更多" in reply
    en.say("alice", "/log Globex1 call a")
    en.say("alice", "/log Globex2 call b")
    assert "there may be more" not in en.say("alice", "/log Globex call which?")


def test_two_wins_at_the_same_moment_win_once(sessions) -> None:  # type: ignore[no-untyped-def]
    from tests.test_concurrency_rules import together

    pairs = [("/deal Acme won", "/deal Acme stage won")] * 3
    pairs += [("/商机 Acme 赢单", "/商机 Acme 阶段 赢单")] * 2
    for n, (won, again) in enumerate(pairs):  # a fresh workspace each round
        chat = Chat(sessions, now="2026-11-30 10:00")
        chat.send(chat.event(f"boss{n}", "/help"))
        workspace = f"w-race-{n}"
        first = chat.event("alice", "/deal Acme new seats 10k")
        first = type(first)(**{**first.__dict__, "workspace_id": workspace})
        chat.send(first)
        events = []
        for line in (won, again):
            e = chat.event("alice", line)
            events.append(type(e)(**{**e.__dict__, "workspace_id": workspace}))
        outcomes: list[str] = []
        together(
            [lambda e=e, c=chat, out=outcomes: out.append(c.text(c.bot.handle(e))) for e in events]
        )
        assert sum("won!" in o or "赢单！" in o for o in outcomes) == 1, outcomes
        assert sum("already won" in o or "本次未做任何改动" in o for o in outcomes) == 1
    with sessions() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "deal.won")).all()
        assert len(entries) == 5  # one per deal, never two


# --- issue 18, item 3: amounts with the words people add; a deal's currency is its own ----------


def test_zh_amount_words_and_tax_note_kept_and_shown(zh: Chat) -> None:
    reply = zh.say("小李", "/商机 华为 新建 私有化项目 28万（含税）")
    assert "D1“私有化项目” 28万元（含税）" in reply
    reply = zh.say("小李", "/商机 中兴 新建 二期 三十万整")
    assert "D2“二期” 30万元，" in reply and "整" not in rows(zh, Deal)[1].title
    reply = zh.say("小李", "/商机 中兴 金额 12.5万元 不含税")
    assert "金额已更新为 12.5万元（不含税）" in reply
    assert [(d.title, d.amount, d.currency, d.tax_note) for d in rows(zh, Deal)] == [
        ("私有化项目", Decimal(280000), "CNY", "含税"),
        ("二期", Decimal(125000), "CNY", "不含税"),
    ]
    assert "D1“私有化项目” 28万元（含税）" in zh.say("小李", "/客户 华为")
    assert "D1“私有化项目” 28万元（含税）" in zh.say("小李", "/商机 华为")
    # a new amount written without a note drops the old one: the note goes with its amount
    assert "金额已更新为 13万元。" in zh.say("小李", "/商机 中兴 金额 13万")
    assert rows(zh, Deal)[1].tax_note is None


def test_en_amount_words_set_the_deals_currency_and_tax_note(en: Chat) -> None:
    reply = en.say("alice", "/deal Acme new pilot €30k excl. VAT")
    assert "D1 “pilot” €30,000 (excl. VAT) for Acme" in reply
    assert "D2 “renewal” $1,200,000 for Globex" in en.say(
        "alice", "/deal Globex new renewal $1.2 million"
    )
    assert "D3 “seats” ¥3,000,000 for Initech" in en.say(
        "alice", "/deal Initech new seats 3 million RMB"
    )
    assert "D4 “pilot” €30,000 for Umbrella" in en.say(
        "alice", "/deal Umbrella new pilot 30,000 EUR"
    )
    assert "amount is now €45,000 (incl. tax)" in en.say(
        "alice", "/deal Umbrella amount 45k incl. tax"
    )
    assert [(d.title, d.amount, d.currency, d.tax_note) for d in rows(en, Deal)] == [
        ("pilot", Decimal(30000), "EUR", "excl. VAT"),
        ("renewal", Decimal(1200000), "USD", None),
        ("seats", Decimal(3000000), "CNY", None),
        ("pilot", Decimal(45000), "EUR", "incl. tax"),
    ]
    assert "D1 “pilot” €30,000 (excl. VAT)" in en.say("alice", "/customer Acme")


def test_progress_never_labels_or_adds_one_currency_as_another(en: Chat) -> None:
    en.say("alice", "/target @alice 2026-11 won=45k")  # the team's currency: USD
    en.say("alice", "/deal Acme new pilot €30k")
    en.say("alice", "/deal Acme won")
    reply = en.say("alice", "/progress month")
    assert "won $0 / $45,000 · €30,000" in reply
    assert "$30,000" not in reply
    assert "only wins in USD count toward the target" in reply
    assert "what 1 EUR is worth in USD in the config: [currency] rates = { EUR = … }" in reply
    en.say("alice", "/deal Globex new renewal $10k")
    en.say("alice", "/deal Globex won")
    assert "won $10,000 / $45,000 · €30,000" in en.say("alice", "/progress month")
    # with a rate configured, the wins are added up in the target's currency, saying so
    en.bot.settings = replace(en.bot.settings, rates=Rates({"EUR": Decimal("1.08")}))
    reply = en.say("alice", "/progress month")
    assert (
        "won $42,400 / $45,000 in USD, converted at the configured rate: €30,000 at 1 EUR = 1.08 USD"
        in reply
    )
    assert "summed on its own" not in reply


def test_zh_progress_per_currency_and_converted(zh: Chat) -> None:
    zh.say("王经理", "/目标 @王经理 2026-11 赢单=50万")
    zh.say("王经理", "/商机 华为 新建 项目 20万")
    zh.say("王经理", "/商机 华为 赢单")
    zh.say("王经理", "/商机 西门子 新建 试点 3万欧元")
    zh.say("王经理", "/商机 西门子 赢单")
    reply = zh.say("王经理", "/进度 本月")
    assert "赢单 20万元 / 50万元 · €30,000" in reply
    assert "只有 CNY 的赢单计入目标" in reply
    assert "1 EUR 折合多少 CNY：[currency] rates = { EUR = … }" in reply
    zh.bot.settings = replace(zh.bot.settings, rates=Rates({"EUR": Decimal("7.8")}))
    reply = zh.say("王经理", "/进度 本月")
    assert "赢单 43.4万元 / 50万元（已按配置的汇率折算为 CNY：€30,000 按 1 EUR = 7.8 CNY）" in reply
    # rates given in another base: one EUR in CNY through USD
    zh.bot.settings = replace(
        zh.bot.settings, rates=Rates({"EUR": Decimal("1.1"), "CNY": Decimal("0.14")}, "USD")
    )
    assert "€30,000 按 1 EUR = 7.857143 CNY" in zh.say("王经理", "/进度 本月")


def test_rates_come_from_the_config(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.config import ConfigError, load_config

    path = tmp_path / "dealbot.toml"
    path.write_text('[currency]\nbase = "CNY"\nrates = { EUR = 7.8, USD = 7 }\n')
    rates = load_config(path, env={}).settings().rates
    assert rates == Rates({"EUR": Decimal("7.8"), "USD": Decimal(7)}, "CNY")
    assert rates.rate("EUR", "USD", "USD") == Decimal("7.8") / 7
    assert load_config(None, env={}).settings().rates == Rates()
    path.write_text("[currency]\nrates = { eur = 7.8, USD = -1 }\n")
    with pytest.raises(ConfigError) as e:
        load_config(path, env={})
    assert "must be a 3-letter currency code in capitals like 'USD', not 'eur'" in str(e.value)
    assert "currency.rates.USD: must be greater than 0" in str(e.value)


def test_pipeline_sums_each_currency_apart_or_converts_saying_so(en: Chat, zh: Chat) -> None:
    en.say("alice", "/deal Acme new pilot €30k")
    en.say("alice", "/deal Globex new renewal $10k")
    reply = en.say("alice", "/pipeline")
    assert "lead (2) $10,000 · €30,000" in reply
    assert "In all, in 2 currencies summed apart: $10,000 · €30,000" in reply
    assert "what 1 EUR is worth in USD in the config: [currency] rates = { EUR = … }" in reply
    en.bot.settings = replace(en.bot.settings, rates=Rates({"EUR": Decimal("1.08")}))
    reply = en.say("alice", "/pipeline")
    assert "In USD at the configured rate: $42,400 (1 EUR = 1.08 USD)" in reply
    en.say("alice", "/deal Acme won")
    assert "In all" not in en.say("alice", "/pipeline")  # one currency: its sum is the stage's
    zh.say("小李", "/商机 华为 新建 项目 20万")
    zh.say("小李", "/商机 西门子 新建 试点 3万欧元")
    reply = zh.say("小李", "/漏斗")
    assert "首次联系（2） 20万元 · €30,000" in reply
    assert "合计（2个币种，分别合计）：20万元 · €30,000" in reply
    # the same workspace as `en`'s, whose currency is USD, and no rate for either
    assert "1 CNY 折合多少 USD：[currency] rates = { CNY = … }" in reply


def test_a_new_deals_amount_is_the_longest_run_of_last_words(en: Chat, zh: Chat) -> None:
    assert "D1 “Phase 2” $3,000,000 for Acme" in en.say("alice", "/deal Acme new Phase 2 3 million")
    # a quoted last word is the title's, as written
    assert 'D2 “renewal "2027"” for Globex' in en.say("alice", '/deal Globex new renewal "2027"')
    assert "D3“二期” 50万元" in zh.say("小李", "/商机 华为 新建 二期 RMB 50万")
    assert "D4“扩容” 12.5万元（不含税）" in zh.say(
        "小李", "/商机 华为 新建 扩容 12.5万元 （不含税）"
    )
    assert [(d.title, d.amount) for d in rows(en, Deal)][:2] == [
        ("Phase 2", Decimal(3000000)),
        ('renewal "2027"', None),
    ]
