"""Parsers of the commands that record sales work: /log /deal /task /meeting /minutes …"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from bot import intents as i
from bot.grammar.line import Fail, Line
from bot.lexer import Token, is_ref, ref_id, tokenize
from bot.parse.amounts import parse_amount, parse_duration
from bot.parse.normalize import normalize

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

_NEXT = re.compile(r"(?i)(?:^|(?<=\s))next\s*:|下一步\s*:")
_CONFIRM = re.compile(r"(?i)(?:^|(?<=\s))(?:confirm(?:ers)?\s*:?|确认人\s*:?)(?=\s*@)")
_ITEM = re.compile(r"(?:^|\s)[-•*]\s*(?=@)|\n\s*[-•*]\s+")


def log(line: Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    deal_ref = None
    if rest and is_ref(rest[0].text, "deal"):
        deal_ref, rest = ref_id(rest[0].text, "deal"), rest[1:]
    kind = "note"
    if rest and not rest[0].quoted and rest[0].folded in TOUCH_TYPES:
        kind, rest = TOUCH_TYPES[rest[0].folded], rest[1:]
    text = line.from_(rest)
    tags = tuple(t.text[1:] for t in rest if t.is_tag)
    body = without_tags(text)
    next_step, due = None, None
    m = _NEXT.search(normalize(body))
    notes = body
    if m:
        notes = body[: m.start()].strip()
        next_step, due = line.deadline(body[m.end() :].strip())
        if due is None:  # "next: call back tomorrow", "下一步：明天下午3点回电"
            next_step, due = line.loose_when(next_step)
        if not next_step:
            raise Fail("missing_next_step", "log")
    if not notes:
        raise Fail("missing_notes", "log")
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


def without_tags(text: str) -> str:
    return re.sub(r"(?:^|\s)[#＃][^\s#＃\d][^\s#＃]*", "", text).strip()


def deal(line: Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    deal_ref = None
    if rest and is_ref(rest[0].text, "deal"):
        deal_ref, rest = ref_id(rest[0].text, "deal"), rest[1:]
    if not rest:
        return i.DealCommand(customer=customer, deal_ref=deal_ref, verb="show")
    verb = DEAL_VERBS.get(rest[0].folded)
    if verb is None:
        raise Fail("unknown_deal_verb", "deal", word=line.words(rest[:1]))
    args = rest[1:]
    text = line.from_(args)
    base = {"customer": customer, "deal_ref": deal_ref, "verb": verb}
    if verb == "new":
        amount = parse_amount(args[-1].text) if args and not args[-1].quoted else None
        title = line.words(args[:-1] if amount else args)
        return i.DealCommand(**base, title=title, amount=amount)
    if verb == "stage":
        if not text:
            raise Fail("missing_stage", "deal")
        stage = line.ctx.pipeline.find(normalize(text))
        if stage is None:
            raise Fail("unknown_stage", "deal", text=text)
        return i.DealCommand(**base, stage=stage.key)
    if verb == "amount":
        amount = parse_amount(normalize(text).replace(" ", "")) if text else None
        if amount is None:
            raise Fail("bad_amount", "deal", text=text)
        return i.DealCommand(**base, amount=amount)
    if verb == "close":
        when = line.when(text) if text else None
        if when is None:
            raise Fail("missing_when", "deal", text=text)
        return i.DealCommand(**base, when=when)
    return i.DealCommand(**base, note=text)


def task(line: Line, tokens: list[Token]) -> i.Intent:
    if not tokens or (len(tokens) == 1 and tokens[0].mention):
        return i.TaskList(person=tokens[0].mention if tokens else None)
    customer, rest = line.customer(tokens)
    text = line.from_(rest)
    hit = line.trailing_when(text) if text else None
    if hit is None:
        raise Fail("missing_when", "task", text=text)
    what, due = hit
    if not what:
        raise Fail("missing_text", "task")
    return i.TaskAdd(customer=customer, text=what, due=due)


def tasks(line: Line, tokens: list[Token]) -> i.Intent:
    who = line.mentions(tokens)
    return i.TaskList(person=who[0] if who else None)


def meeting(line: Line, tokens: list[Token]) -> i.Intent:
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
        raise Fail("missing_when", "meeting", text=line.words(when_tokens))
    return i.MeetingAdd(
        customer=customer,
        starts_at=starts,
        duration=duration or timedelta(hours=1),
        attendees=attendees,
    )


def minutes(line: Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    text = line.from_(rest)
    if not text:
        raise Fail("missing_text", "minutes")
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


def question(line: Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    text = line.from_(rest)
    if not text:
        raise Fail("missing_text", "question")
    return i.QuestionAdd(customer=customer, text=text)


def answered(line: Line, tokens: list[Token]) -> i.Intent:
    qid = ref_id(tokens[0].text, "question") if len(tokens) == 1 else None
    if qid is None:
        raise Fail("bad_id", "answered", text=line.words(tokens))
    return i.Answered(question_id=qid)


def req(line: Line, tokens: list[Token]) -> i.Intent:
    if not tokens:
        raise Fail("missing_customer", "req")
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
        raise Fail("missing_text", "req")
    if customer is None:
        return i.ReqRevise(requirement_id=revise, text=text, confirmers=confirmers)
    return i.ReqAdd(customer=customer, text=text, confirmers=confirmers)


PARSERS: dict[str, Callable[[Line, list[Token]], i.Intent]] = {
    "log": log,
    "deal": deal,
    "task": task,
    "tasks": tasks,
    "meeting": meeting,
    "minutes": minutes,
    "question": question,
    "answered": answered,
    "req": req,
}
