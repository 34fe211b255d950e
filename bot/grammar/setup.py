"""Parsers of the views and set-up commands: /pipeline /progress /target /team /role …"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import intents as i
from bot.grammar.line import Fail, Line
from bot.lexer import COMMANDS, Token
from bot.parse.amounts import parse_amount
from bot.periods import bounds, parse_key

ROLES = {
    "rep": "rep",
    "销售": "rep",
    "manager": "manager",
    "经理": "manager",
    "admin": "admin",
    "管理员": "admin",
}
SCOPES = {
    "mine": "mine",
    "我的": "mine",
    "team": "team",
    "团队": "team",
    "all": "all",
    "全部": "all",
    "所有": "all",
}
PERIODS = {
    "week": "week",
    "本周": "week",
    "这周": "week",
    "本星期": "week",
    "这个星期": "week",
    "周": "week",
    "month": "month",
    "本月": "month",
    "这个月": "month",
    "月": "month",
    "上周": "last_week",
    "上星期": "last_week",
    "上个星期": "last_week",
    "上个礼拜": "last_week",
    "上月": "last_month",
    "上个月": "last_month",
}
# two-word periods: `last week`, `this month`, `previous month`
PERIOD_PREFIXES = {"last": "last_", "previous": "last_", "this": ""}
# `/customer Acme history`: who changed what. Not 记录: that word is /log's Chinese name.
HISTORY = ("history", "历史", "变更记录")
TARGET_KEYS = {
    "calls": "calls",
    "call": "calls",
    "电话": "calls",
    "visits": "visits",
    "visit": "visits",
    "拜访": "visits",
    "won": "won",
    "赢单": "won",
}


def pipeline(line: Line, tokens: list[Token]) -> i.Intent:
    if not tokens:
        return i.PipelineView(scope="mine")
    if tokens[0].mention:
        return i.PipelineView(scope="person", person=tokens[0].mention)
    scope = SCOPES.get(tokens[0].folded)
    if scope is None:
        raise Fail("bad_scope", "pipeline", text=line.words(tokens))
    return i.PipelineView(scope=scope)


def progress(line: Line, tokens: list[Token]) -> i.Intent:
    person, period = None, "week"
    rest = list(tokens)
    while rest:
        t = rest.pop(0)
        if t.mention:
            person = t.mention
        elif t.folded in PERIODS:
            period = PERIODS[t.folded]
        elif t.folded in PERIOD_PREFIXES and rest and rest[0].folded in ("week", "month"):
            period = PERIOD_PREFIXES[t.folded] + rest.pop(0).folded
        elif (key := parse_key(t.text)) is not None:
            period = key
        else:
            raise Fail("bad_period", "progress", text=t.text)
    return i.ProgressView(person=person, period=period)


def target(line: Line, tokens: list[Token]) -> i.Intent:
    if len(tokens) < 3 or not tokens[0].mention:
        raise Fail("bad_target", "target", text=line.words(tokens))
    period = period_key(tokens[1].text, line.ctx.now, line.ctx.tz)
    if period is None:
        raise Fail("bad_period", "target", text=tokens[1].text)
    values: dict[str, str] = {}
    for t in tokens[2:]:
        key, sep, value = t.text.partition("=")
        if not sep or key.casefold() not in TARGET_KEYS or not value:
            raise Fail("bad_target", "target", text=t.text)
        values[TARGET_KEYS[key.casefold()]] = value
    counts = {}
    for key in ("calls", "visits"):
        if key in values:
            if not values[key].isdigit():
                raise Fail("bad_target", "target", text=f"{key}={values[key]}")
            counts[key] = int(values[key])
    won = None
    if "won" in values:
        won = parse_amount(values["won"])
        if won is None:
            raise Fail("bad_amount", "target", text=values["won"])
    return i.TargetSet(
        person=tokens[0].mention or "",
        period=period,
        calls=counts.get("calls"),
        visits=counts.get("visits"),
        won=won,
    )


def period_key(text: str, now: datetime, tz: ZoneInfo) -> str | None:
    t = text.casefold()
    if t in PERIODS:
        return bounds(now, tz, PERIODS[t])[2]
    return parse_key(t)


def handover(line: Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    people = line.mentions(rest)
    if len(people) != 2 or len(rest) != 2:
        raise Fail("bad_handover", "handover", text=line.words(rest))
    return i.Handover(customer=customer, from_person=people[0], to_person=people[1])


def customer(line: Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    if not rest:
        return i.CustomerShow(customer=customer)
    if len(rest) == 1 and rest[0].folded in HISTORY:
        return i.CustomerShow(customer=customer, history=True)
    if rest[0].folded in ("alias", "别名") and len(rest) > 1:
        return i.CustomerAliasAdd(customer=customer, alias=line.words(rest[1:]).strip('"'))
    raise Fail("bad_customer_args", "customer", text=line.words(rest))


def help_(line: Line, tokens: list[Token]) -> i.Intent:
    topic = COMMANDS.get(tokens[0].text.lstrip("/").casefold()) if tokens else None
    return i.Help(topic=topic)


def role(line: Line, tokens: list[Token]) -> i.Intent:
    if len(tokens) != 2 or not tokens[0].mention or tokens[1].folded not in ROLES:
        raise Fail("bad_role", "role", text=line.words(tokens))
    return i.RoleSet(person=tokens[0].mention or "", role=ROLES[tokens[1].folded])


def team(line: Line, tokens: list[Token]) -> i.Intent:
    if len(tokens) < 2 or tokens[0].mention:
        raise Fail("bad_team", "team", text=line.words(tokens))
    people = line.mentions(tokens[1:])
    if len(people) != len(tokens) - 1:
        raise Fail("bad_team", "team", text=line.words(tokens))
    return i.TeamSet(name=tokens[0].text, lead=people[0], members=tuple(people[1:]))


def link(line: Line, tokens: list[Token]) -> i.Intent:
    channel = None
    if tokens and tokens[0].text.startswith("#"):  # `#<channel id>`: the edge's neutral form
        channel, tokens = tokens[0].text, tokens[1:]
    customer, rest = line.customer(tokens)
    if rest:
        raise Fail("bad_link", "link", text=line.words(rest))
    return i.Link(customer=customer, channel=channel)


PARSERS: dict[str, Callable[[Line, list[Token]], i.Intent]] = {
    "pipeline": pipeline,
    "digest": lambda line, tokens: i.DigestView(),
    "progress": progress,
    "target": target,
    "handover": handover,
    "customer": customer,
    "help": help_,
    "role": role,
    "team": team,
    "link": link,
}
