"""Chat text → Intent or ParseError, English and Chinese alike. Pure: no store, no clock."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import intents as i
from bot.lexer import COMMANDS, Token, is_ref, ref_id, split_command, tokenize
from bot.parse.amounts import parse_amount, parse_duration
from bot.parse.dates import (
    DateError,
    extract_deadline,
    parse_when,
    split_leading_when,
    split_trailing_when,
)
from bot.parse.normalize import normalize
from bot.pipeline import Pipeline

TOUCH_TYPES = {
    "call": "call",
    "电话": "call",
    "通话": "call",
    "visit": "visit",
    "拜访": "visit",
    "上门": "visit",
    "meeting": "meeting",
    "会议": "meeting",
    "会面": "meeting",
    "email": "email",
    "mail": "email",
    "邮件": "email",
    "chat": "chat",
    "微信": "chat",
    "聊天": "chat",
    "im": "chat",
    "note": "note",
    "备注": "note",
}
DEAL_VERBS = {
    "new": "new",
    "create": "new",
    "新建": "new",
    "创建": "new",
    "stage": "stage",
    "阶段": "stage",
    "amount": "amount",
    "金额": "amount",
    "won": "won",
    "win": "won",
    "赢单": "won",
    "lost": "lost",
    "lose": "lost",
    "输单": "lost",
    "丢单": "lost",
    "close": "close",
    "预计成交": "close",
}
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
    "周": "week",
    "month": "month",
    "本月": "month",
    "月": "month",
}
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
_NEXT = re.compile(r"(?i)(?:^|(?<=\s))next\s*:|下一步\s*:")
_CONFIRM = re.compile(r"(?i)(?:^|(?<=\s))(?:confirm(?:ers)?\s*:?|确认人\s*:?)(?=\s*@)")
_ITEM = re.compile(r"(?:^|\s)[-•*]\s*(?=@)|\n\s*[-•*]\s+")


@dataclass(frozen=True, kw_only=True)
class ParseContext:
    now: datetime
    tz: ZoneInfo
    is_customer: Callable[[str], bool]
    pipeline: Pipeline
    day_start: time = time(9, 0)


class _Fail(Exception):
    def __init__(self, code: str, command: str | None = None, **params: str) -> None:
        self.error = i.ParseError(code=code, command=command, params=tuple(params.items()))


class _Line:
    """One command line: the original text, its normalized twin and helpers over both."""

    def __init__(self, text: str, command: str, ctx: ParseContext) -> None:
        self.orig, self.norm, self.command, self.ctx = text, normalize(text), command, ctx

    def words(self, tokens: list[Token]) -> str:
        return self.orig[tokens[0].start : tokens[-1].end].strip() if tokens else ""

    def from_(self, tokens: list[Token]) -> str:
        return self.orig[tokens[0].start :].strip() if tokens else ""

    def when(self, text: str) -> datetime | None:
        try:
            return parse_when(text, now=self.ctx.now, tz=self.ctx.tz, day_start=self.ctx.day_start)
        except DateError as e:
            raise _Fail("bad_date", self.command, text=e.text) from None

    def trailing_when(self, text: str) -> tuple[str, datetime] | None:
        try:
            hit = split_trailing_when(
                normalize(text), now=self.ctx.now, tz=self.ctx.tz, day_start=self.ctx.day_start
            )
        except DateError as e:
            raise _Fail("bad_date", self.command, text=e.text) from None
        return (text[: hit[0]].strip(), hit[1]) if hit else None

    def deadline(self, text: str) -> tuple[str, datetime | None]:
        try:
            hit = extract_deadline(
                text, now=self.ctx.now, tz=self.ctx.tz, day_start=self.ctx.day_start
            )
        except DateError as e:
            raise _Fail("bad_date", self.command, text=e.text) from None
        return hit if hit else (text.strip(), None)

    def loose_when(self, text: str) -> tuple[str, datetime | None]:
        """A date that ends or starts a step, without "by"/"前", is its deadline too."""
        hit = self.trailing_when(text)
        if hit and hit[0]:
            return hit
        try:
            lead = split_leading_when(
                text, now=self.ctx.now, tz=self.ctx.tz, day_start=self.ctx.day_start
            )
        except DateError as e:
            raise _Fail("bad_date", self.command, text=e.text) from None
        if lead and text[lead[1] :].strip():
            return text[lead[1] :].strip(), lead[0]
        return text, None

    def customer(self, tokens: list[Token]) -> tuple[i.CustomerRef, list[Token]]:
        """A quoted name, else the longest leading words naming a known customer, else one word."""
        if not tokens or tokens[0].mention or tokens[0].is_tag:
            raise _Fail("missing_customer", self.command)
        first = tokens[0]
        if first.quoted:
            if not first.text:
                raise _Fail("missing_customer", self.command)
            name = first.text
            return i.CustomerRef(name=name, known=self.ctx.is_customer(name), quoted=True), tokens[
                1:
            ]
        for k in range(min(6, len(tokens)), 1, -1):
            if any(t.quoted or t.mention or t.is_tag for t in tokens[:k]):
                continue
            phrase = self.words(tokens[:k])
            if self.ctx.is_customer(phrase):
                return i.CustomerRef(name=phrase, known=True), tokens[k:]
        name = self.words([first])
        return i.CustomerRef(name=name, known=self.ctx.is_customer(name)), tokens[1:]

    def mentions(self, tokens: list[Token]) -> list[str]:
        return [m for t in tokens if (m := t.mention)]


def parse(text: str, ctx: ParseContext) -> i.Intent | i.ParseError:
    norm = normalize(text)
    command, word, start = split_command(norm)
    if command is None:
        if not word:
            return i.ParseError(code="empty")
        if word.startswith("/"):
            return i.ParseError(code="unknown_command", params=(("word", word),))
        return i.ParseError(code="not_a_command")
    line = _Line(text, command, ctx)
    tokens = tokenize(norm, start)
    try:
        return _PARSERS[command](line, tokens)
    except _Fail as fail:
        return fail.error


def _log(line: _Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    deal_ref = None
    if rest and is_ref(rest[0].text, "deal"):
        deal_ref, rest = ref_id(rest[0].text, "deal"), rest[1:]
    kind = "note"
    if rest and not rest[0].quoted and rest[0].folded in TOUCH_TYPES:
        kind, rest = TOUCH_TYPES[rest[0].folded], rest[1:]
    text = line.from_(rest)
    tags = tuple(t.text[1:] for t in rest if t.is_tag)
    body = _without_tags(text)
    next_step, due = None, None
    m = _NEXT.search(normalize(body))
    notes = body
    if m:
        notes = body[: m.start()].strip()
        next_step, due = line.deadline(body[m.end() :].strip())
        if due is None:  # "next: call back tomorrow", "下一步：明天下午3点回电"
            next_step, due = line.loose_when(next_step)
        if not next_step:
            raise _Fail("missing_next_step", "log")
    if not notes:
        raise _Fail("missing_notes", "log")
    return i.LogTouch(
        customer=customer,
        deal_ref=deal_ref,
        type=kind,
        text=text,
        notes=notes,
        next_step=next_step,
        due=due,
        tags=tags,
    )


def _without_tags(text: str) -> str:
    return re.sub(r"(?:^|\s)[#＃][^\s#＃\d][^\s#＃]*", "", text).strip()


def _deal(line: _Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    deal_ref = None
    if rest and is_ref(rest[0].text, "deal"):
        deal_ref, rest = ref_id(rest[0].text, "deal"), rest[1:]
    if not rest:
        return i.DealCommand(customer=customer, deal_ref=deal_ref, verb="show")
    verb = DEAL_VERBS.get(rest[0].folded)
    if verb is None:
        raise _Fail("unknown_deal_verb", "deal", word=line.words(rest[:1]))
    args = rest[1:]
    text = line.from_(args)
    base = {"customer": customer, "deal_ref": deal_ref, "verb": verb}
    if verb == "new":
        amount = parse_amount(args[-1].text) if args and not args[-1].quoted else None
        title = line.words(args[:-1] if amount else args)
        return i.DealCommand(**base, title=title, amount=amount)
    if verb == "stage":
        if not text:
            raise _Fail("missing_stage", "deal")
        stage = line.ctx.pipeline.find(normalize(text))
        if stage is None:
            raise _Fail("unknown_stage", "deal", text=text)
        return i.DealCommand(**base, stage=stage.key)
    if verb == "amount":
        amount = parse_amount(normalize(text).replace(" ", "")) if text else None
        if amount is None:
            raise _Fail("bad_amount", "deal", text=text)
        return i.DealCommand(**base, amount=amount)
    if verb == "close":
        when = line.when(text) if text else None
        if when is None:
            raise _Fail("missing_when", "deal", text=text)
        return i.DealCommand(**base, when=when)
    return i.DealCommand(**base, note=text)


def _task(line: _Line, tokens: list[Token]) -> i.Intent:
    if not tokens or (len(tokens) == 1 and tokens[0].mention):
        return i.TaskList(person=tokens[0].mention if tokens else None)
    customer, rest = line.customer(tokens)
    text = line.from_(rest)
    hit = line.trailing_when(text) if text else None
    if hit is None:
        raise _Fail("missing_when", "task", text=text)
    what, due = hit
    if not what:
        raise _Fail("missing_text", "task")
    return i.TaskAdd(customer=customer, text=what, due=due)


def _tasks(line: _Line, tokens: list[Token]) -> i.Intent:
    who = line.mentions(tokens)
    return i.TaskList(person=who[0] if who else None)


def _meeting(line: _Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    attendees = tuple(line.mentions(rest))
    duration: timedelta | None = None
    when_tokens = []
    for t in rest:
        if t.mention or t.folded in ("with", "和", "与", "参会", "参会人"):
            continue
        d = parse_duration(t.text) if duration is None else None
        if d is not None:
            duration = d
        else:
            when_tokens.append(t)
    text = " ".join(t.text for t in when_tokens)
    starts = line.when(text) if text else None
    if starts is None:
        raise _Fail("missing_when", "meeting", text=line.words(when_tokens))
    return i.MeetingAdd(
        customer=customer,
        starts_at=starts,
        duration=duration or timedelta(hours=1),
        attendees=attendees,
    )


def _minutes(line: _Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    text = line.from_(rest)
    if not text:
        raise _Fail("missing_text", "minutes")
    parts = _ITEM.split(text)
    items = []
    for part in parts[1:]:
        part = part.strip()
        owner = None
        m = re.match(r"@([^\s@,:;，：；]+)", normalize(part))
        if m:
            owner, part = "@" + m.group(1), part[m.end() :].strip()
        what, due = line.deadline(part)
        if what:
            items.append(i.ActionItem(owner=owner, text=what, due=due))
    return i.MinutesAdd(customer=customer, text=text, items=tuple(items))


def _question(line: _Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    text = line.from_(rest)
    if not text:
        raise _Fail("missing_text", "question")
    return i.QuestionAdd(customer=customer, text=text)


def _answered(line: _Line, tokens: list[Token]) -> i.Intent:
    qid = ref_id(tokens[0].text, "question") if len(tokens) == 1 else None
    if qid is None:
        raise _Fail("bad_id", "answered", text=line.words(tokens))
    return i.Answered(question_id=qid)


def _req(line: _Line, tokens: list[Token]) -> i.Intent:
    if not tokens:
        raise _Fail("missing_customer", "req")
    revise = (
        ref_id(tokens[0].text, "requirement") if is_ref(tokens[0].text, "requirement") else None
    )
    if revise is not None:
        customer, rest = None, tokens[1:]
    else:
        customer, rest = line.customer(tokens)
    text = line.from_(rest)
    confirmers: tuple[str, ...] = ()
    m = _CONFIRM.search(normalize(text))
    if m:
        confirmers = tuple(line.mentions(tokenize(normalize(text), m.end())))
        text = text[: m.start()].strip()
    if not text:
        raise _Fail("missing_text", "req")
    if customer is None:
        return i.ReqRevise(requirement_id=revise, text=text, confirmers=confirmers)
    return i.ReqAdd(customer=customer, text=text, confirmers=confirmers)


def _pipeline(line: _Line, tokens: list[Token]) -> i.Intent:
    if not tokens:
        return i.PipelineView(scope="mine")
    if tokens[0].mention:
        return i.PipelineView(scope="person", person=tokens[0].mention)
    scope = SCOPES.get(tokens[0].folded)
    if scope is None:
        raise _Fail("bad_scope", "pipeline", text=line.words(tokens))
    return i.PipelineView(scope=scope)


def _progress(line: _Line, tokens: list[Token]) -> i.Intent:
    person, period = None, "week"
    for t in tokens:
        if t.mention:
            person = t.mention
        elif t.folded in PERIODS:
            period = PERIODS[t.folded]
        else:
            raise _Fail("bad_period", "progress", text=t.text)
    return i.ProgressView(person=person, period=period)


def _target(line: _Line, tokens: list[Token]) -> i.Intent:
    if len(tokens) < 3 or not tokens[0].mention:
        raise _Fail("bad_target", "target", text=line.words(tokens))
    period = _period(tokens[1].text, line.ctx.now.astimezone(line.ctx.tz))
    if period is None:
        raise _Fail("bad_period", "target", text=tokens[1].text)
    values: dict[str, str] = {}
    for t in tokens[2:]:
        key, sep, value = t.text.partition("=")
        if not sep or key.casefold() not in TARGET_KEYS or not value:
            raise _Fail("bad_target", "target", text=t.text)
        values[TARGET_KEYS[key.casefold()]] = value
    counts = {}
    for key in ("calls", "visits"):
        if key in values:
            if not values[key].isdigit():
                raise _Fail("bad_target", "target", text=f"{key}={values[key]}")
            counts[key] = int(values[key])
    won = None
    if "won" in values:
        won = parse_amount(values["won"])
        if won is None:
            raise _Fail("bad_amount", "target", text=values["won"])
    return i.TargetSet(
        person=tokens[0].mention or "",
        period=period,
        calls=counts.get("calls"),
        visits=counts.get("visits"),
        won=won,
    )


def _period(text: str, now: datetime) -> str | None:
    t = text.casefold()
    if t in ("week", "本周"):
        iso = now.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if t in ("month", "本月"):
        return f"{now.year}-{now.month:02d}"
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", t) or re.fullmatch(r"(\d{4})年(\d{1,2})月", t)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{int(m.group(2)):02d}"
    m = re.fullmatch(r"(\d{4})-w(\d{1,2})", t)
    if m and 1 <= int(m.group(2)) <= 53:
        return f"{m.group(1)}-W{int(m.group(2)):02d}"
    return None


def _handover(line: _Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    people = line.mentions(rest)
    if len(people) != 2 or len(rest) != 2:
        raise _Fail("bad_handover", "handover", text=line.words(rest))
    return i.Handover(customer=customer, from_person=people[0], to_person=people[1])


def _customer(line: _Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    if not rest:
        return i.CustomerShow(customer=customer)
    if rest[0].folded in ("alias", "别名") and len(rest) > 1:
        return i.CustomerAliasAdd(customer=customer, alias=line.words(rest[1:]).strip('"'))
    raise _Fail("bad_customer_args", "customer", text=line.words(rest))


def _help(line: _Line, tokens: list[Token]) -> i.Intent:
    topic = COMMANDS.get(tokens[0].text.lstrip("/").casefold()) if tokens else None
    return i.Help(topic=topic)


def _role(line: _Line, tokens: list[Token]) -> i.Intent:
    if len(tokens) != 2 or not tokens[0].mention or tokens[1].folded not in ROLES:
        raise _Fail("bad_role", "role", text=line.words(tokens))
    return i.RoleSet(person=tokens[0].mention or "", role=ROLES[tokens[1].folded])


def _team(line: _Line, tokens: list[Token]) -> i.Intent:
    if len(tokens) < 2 or tokens[0].mention:
        raise _Fail("bad_team", "team", text=line.words(tokens))
    people = line.mentions(tokens[1:])
    if len(people) != len(tokens) - 1:
        raise _Fail("bad_team", "team", text=line.words(tokens))
    return i.TeamSet(name=tokens[0].text, lead=people[0], members=tuple(people[1:]))


def _link(line: _Line, tokens: list[Token]) -> i.Intent:
    channel = None
    if tokens and (tokens[0].text.startswith("#") or tokens[0].text.startswith("<#")):
        channel, tokens = tokens[0].text, tokens[1:]
    customer, rest = line.customer(tokens)
    if rest:
        raise _Fail("bad_link", "link", text=line.words(rest))
    return i.Link(customer=customer, channel=channel)


_PARSERS: dict[str, Callable[[_Line, list[Token]], i.Intent]] = {
    "log": _log,
    "deal": _deal,
    "task": _task,
    "tasks": _tasks,
    "meeting": _meeting,
    "minutes": _minutes,
    "question": _question,
    "answered": _answered,
    "req": _req,
    "pipeline": _pipeline,
    "digest": lambda line, tokens: i.DigestView(),
    "progress": _progress,
    "target": _target,
    "handover": _handover,
    "customer": _customer,
    "help": _help,
    "role": _role,
    "team": _team,
    "link": _link,
}
