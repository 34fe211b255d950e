"""Money amounts and durations: parse_amount, parse_duration, format_amount."""

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.parse.amounts import (
    MAX_AMOUNT,
    Amount,
    format_amount,
    out_of_range,
    parse_amount,
    parse_duration,
)

AMOUNTS = [
    ("120000", Decimal(120000), None),
    ("120k", Decimal(120000), None),
    ("120K", Decimal(120000), None),
    ("120 k", Decimal(120000), None),
    ("1.2m", Decimal(1200000), None),
    ("1.5M", Decimal(1500000), None),
    ("0.1k", Decimal(100), None),
    ("1.23456789m", Decimal("1234567.89"), None),
    ("120,000", Decimal(120000), None),
    ("120,000.50", Decimal("120000.5"), None),
    ("１２０ｋ", Decimal(120000), None),
    ("¥120,000", Decimal(120000), "CNY"),
    ("￥120,000", Decimal(120000), "CNY"),
    ("¥12万", Decimal(120000), "CNY"),
    ("$120k", Decimal(120000), "USD"),
    ("$1,500,000", Decimal(1500000), "USD"),
    ("＄120k", Decimal(120000), "USD"),
    ("€5k", Decimal(5000), "EUR"),
    ("£5k", Decimal(5000), "GBP"),
    ("12万", Decimal(120000), "CNY"),
    ("1.5亿", Decimal(150000000), "CNY"),
    ("5千", Decimal(5000), "CNY"),
    ("50万元", Decimal(500000), "CNY"),
    ("3000元", Decimal(3000), "CNY"),
    ("3000块", Decimal(3000), "CNY"),
    ("3000块钱", Decimal(3000), "CNY"),
    ("120k USD", Decimal(120000), "USD"),
    ("USD 120k", Decimal(120000), "USD"),
    ("usd120k", Decimal(120000), "USD"),
    ("RMB 50万", Decimal(500000), "CNY"),
    ("CNY120000", Decimal(120000), "CNY"),
    ("EUR 5000", Decimal(5000), "EUR"),
    ("5000 GBP", Decimal(5000), "GBP"),
    ("1.2w", Decimal(12000), "CNY"),
    ("12w", Decimal(120000), "CNY"),
    ("12W", Decimal(120000), "CNY"),
    ("60万", Decimal(600000), "CNY"),
    ("100美元", Decimal(100), "USD"),
]


@pytest.mark.parametrize(("text", "value", "currency"), AMOUNTS)
def test_parse_amount(text, value, currency):
    got = parse_amount(text)
    assert got == Amount(value, currency)
    assert isinstance(got.value, Decimal)
    assert str(got.value) == str(value)  # exact: no float, no "1200000.0"


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "abc",
        "40-seat",
        "k",
        "1.2.3",
        "12万万",
        "-5k",
        "120kk",
        "tomorrow",
        "$120k RMB",
        "1,20,000",
        "12,5",
        "万",
        "$",
        "120k seats",
        "1e5",
    ],
)
def test_not_an_amount(text):
    assert parse_amount(text) is None


DURATIONS = [
    ("60m", timedelta(minutes=60)),
    ("60min", timedelta(minutes=60)),
    ("60 mins", timedelta(minutes=60)),
    ("90 minutes", timedelta(minutes=90)),
    ("1 minute", timedelta(minutes=1)),
    ("1h", timedelta(hours=1)),
    ("1H", timedelta(hours=1)),
    ("1.5h", timedelta(minutes=90)),
    ("1.25h", timedelta(minutes=75)),
    ("2 hours", timedelta(hours=2)),
    ("1 hr", timedelta(hours=1)),
    ("2hrs", timedelta(hours=2)),
    ("1h30m", timedelta(minutes=90)),
    ("1h 30m", timedelta(minutes=90)),
    ("1h30", timedelta(minutes=90)),
    ("1 hour 30 minutes", timedelta(minutes=90)),
    ("24h", timedelta(hours=24)),
    ("90分钟", timedelta(minutes=90)),
    ("90分", timedelta(minutes=90)),
    ("三十分钟", timedelta(minutes=30)),
    ("１２０分钟", timedelta(minutes=120)),
    ("1小时", timedelta(hours=1)),
    ("1.5小时", timedelta(minutes=90)),
    ("一个半小时", timedelta(minutes=90)),
    ("半小时", timedelta(minutes=30)),
    ("半个小时", timedelta(minutes=30)),
    ("两小时", timedelta(hours=2)),
    ("两个小时", timedelta(hours=2)),
    ("1小时30分钟", timedelta(minutes=90)),
    ("一小时十五分", timedelta(minutes=75)),
]


@pytest.mark.parametrize(("text", "expected"), DURATIONS)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "60",
        "abc",
        "0m",
        "0小时",
        "25h",
        "1500m",
        "1h90",
        "1h60m",
        "小时",
        "1.5m",
        "1.5h30",
        "tomorrow",
        "60 seats",
        "-5m",
    ],
)
def test_not_a_duration(text):
    assert parse_duration(text) is None


FORMATS = [
    (Decimal(120000), "USD", "en", "$120,000"),
    (Decimal(1500000), "USD", "en", "$1,500,000"),
    (Decimal("120000.00"), "USD", "en", "$120,000"),
    (Decimal("1500.50"), "USD", "en", "$1,500.5"),
    (Decimal(999), "USD", "en", "$999"),
    (Decimal(-5000), "USD", "en", "-$5,000"),
    (Decimal("1E+5"), "USD", "en", "$100,000"),
    (Decimal(500000), "CNY", "en", "¥500,000"),
    (Decimal(5000), "EUR", "en", "€5,000"),
    (Decimal(5000), "GBP", "en", "£5,000"),
    (Decimal(120000), "X", "en", "120,000 X"),
    (Decimal(500000), "CNY", "zh_CN", "50万元"),
    (Decimal(123456), "CNY", "zh_CN", "12.3456万元"),
    (Decimal(10000), "CNY", "zh_CN", "1万元"),
    (Decimal(5000), "CNY", "zh_CN", "5,000元"),
    (Decimal("5000.00"), "CNY", "zh_CN", "5,000元"),
    (Decimal(150000000), "CNY", "zh_CN", "1.5亿元"),
    (Decimal(120000), "USD", "zh_CN", "$120,000"),
    (Decimal(120000), "X", "zh_CN", "120,000 X"),
]


@pytest.mark.parametrize(("value", "currency", "locale", "expected"), FORMATS)
def test_format_amount(value, currency, locale, expected):
    assert format_amount(value, currency, locale) == expected


# -- issue 9: amounts in Chinese words, approximate amounts, absurd amounts ------------------------

CN_WORDS = [
    ("一百万", Decimal(1000000)),
    ("五十万", Decimal(500000)),
    ("八千", Decimal(8000)),
    ("1百万", Decimal(1000000)),
    ("3百万", Decimal(3000000)),
    ("十万", Decimal(100000)),
    ("十二万", Decimal(120000)),
    ("一百二十万", Decimal(1200000)),
    ("两万五", Decimal(25000)),  # the next unit down: 2万5千
    ("1万5", Decimal(15000)),
    ("一千二", Decimal(1200)),
    ("一千零五元", Decimal(1005)),
    ("三亿五千万", Decimal(350000000)),
    ("一亿五", Decimal(150000000)),
    ("12万5千", Decimal(125000)),
    ("五十万元", Decimal(500000)),
    ("八千块", Decimal(8000)),
    ("一万亿", Decimal(10**12)),  # the largest amount there is
    ("９千", Decimal(9000)),
]


@pytest.mark.parametrize(("text", "value"), CN_WORDS)
def test_amounts_in_chinese_words(text, value):
    assert parse_amount(text) == Amount(value, "CNY")
    assert str(parse_amount(text).value) == str(value)


def test_chinese_words_keep_a_written_currency():
    assert parse_amount("$一百万") == Amount(Decimal(1000000), "USD")


APPROXIMATE = [
    ("20万左右", Decimal(200000), "CNY"),
    ("约50万", Decimal(500000), "CNY"),
    ("大约八千", Decimal(8000), "CNY"),
    ("五十万左右", Decimal(500000), "CNY"),
    ("~120k", Decimal(120000), None),
    ("～120k", Decimal(120000), None),
    ("about 120k", Decimal(120000), None),
    ("around $5k", Decimal(5000), "USD"),
]


@pytest.mark.parametrize(("text", "value", "currency"), APPROXIMATE)
def test_approximate_amounts(text, value, currency):
    assert parse_amount(text) == Amount(value, currency, approx=True)
    assert parse_amount(text) != Amount(value, currency)  # the reply can say "about"


@pytest.mark.parametrize(
    "text", ["百万", "五十", "三", "二〇二六", "一二三", "万万", "十百", "五千零", "两万15", "左右"]
)
def test_chinese_words_that_are_not_amounts(text):
    assert parse_amount(text) is None
    assert not out_of_range(text)


@pytest.mark.parametrize(
    "text",
    [
        "十万亿",
        "2万亿",
        "1000000000001",
        "1000000000000.01",
        "1.234",  # finer than cents
        "$1.999",
        "9" * 40,
        "9" * 40 + "万",
        "1" + "0" * 30 + "k",
    ],
)
def test_absurd_amounts_are_out_of_range_not_amounts(text):
    assert parse_amount(text) is None
    assert out_of_range(text)


def test_the_largest_amount_is_one_trillion():
    assert parse_amount("1000000000000") == Amount(MAX_AMOUNT, None)
    assert parse_amount("1,000,000,000,000.00") == Amount(MAX_AMOUNT, None)
    assert not out_of_range("1000000000000") and not out_of_range("tomorrow")


# --- issue 18: the words people add to an amount ------------------------------------------------

WITH_WORDS = [
    ("三十万整", Decimal(300000), "CNY", None),
    ("28万元整", Decimal(280000), "CNY", None),
    ("28万（含税）", Decimal(280000), "CNY", "含税"),
    ("28万(含税)", Decimal(280000), "CNY", "含税"),
    ("28万含税", Decimal(280000), "CNY", "含税"),
    ("28万 不含税", Decimal(280000), "CNY", "不含税"),
    ("50万元整（含税）", Decimal(500000), "CNY", "含税"),
    ("12.5万元", Decimal(125000), "CNY", None),
    ("100万人民币", Decimal(1000000), "CNY", None),
    ("人民币50万", Decimal(500000), "CNY", None),
    ("RMB 50万", Decimal(500000), "CNY", None),
    ("¥1.2 million", Decimal(1200000), "CNY", None),
    ("$1.2 million", Decimal(1200000), "USD", None),
    ("1.2 million", Decimal(1200000), None, None),
    ("3 million USD", Decimal(3000000), "USD", None),
    ("2 bn", Decimal(2000000000), None, None),
    ("1.5mn", Decimal(1500000), None, None),
    ("40 thousand", Decimal(40000), None, None),
    ("€30k", Decimal(30000), "EUR", None),
    ("30,000 EUR", Decimal(30000), "EUR", None),
    ("30000 euros", Decimal(30000), "EUR", None),
    ("5000 dollars", Decimal(5000), "USD", None),
    ("120k excl. VAT", Decimal(120000), None, "excl. VAT"),
    ("120k (Excl. VAT)", Decimal(120000), None, "Excl. VAT"),
    ("$50k incl. tax", Decimal(50000), "USD", "incl. tax"),
    ("€8k plus VAT", Decimal(8000), "EUR", "plus VAT"),
    ("¥20万, tax included", Decimal(200000), "CNY", "tax included"),
]


@pytest.mark.parametrize(("text", "value", "currency", "tax"), WITH_WORDS)
def test_amounts_with_the_words_people_add(text, value, currency, tax):
    got = parse_amount(text)
    assert got == Amount(value, currency, tax=tax)
    assert str(got.value) == str(value)


def test_an_approximate_amount_keeps_its_tax_note():
    assert parse_amount("二十万左右，含税") == Amount(Decimal(200000), "CNY", True, "含税")


@pytest.mark.parametrize(
    "text", ["含税", "整", "million", "30万 含税 含税", "$5k EUR", "5 million seats"]
)
def test_words_around_an_amount_are_not_amounts_alone(text):
    assert parse_amount(text) is None
