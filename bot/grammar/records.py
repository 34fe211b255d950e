"""Parsers of the commands that record sales work: /log /deal /task /meeting /minutes …"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from bot import intents as i
from bot.grammar.line import Fail, Line
from bot.lexer import TOUCH_TYPES, Token, is_ref, ref_id, tokenize
from bot.parse.amounts import out_of_range, parse_amount, parse_duration
from bot.parse.dates import DateError, When, read_when
from bot.parse.normalize import CN_NUM, ascii_lower, cn_int, normalize
from bot.parse.spans import date_hint, find_deadline, find_leading, find_trailing

# TOUCH_TYPES (the kinds of touch as people write them) live in bot/lexer.py
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

# "next:", "Next step:", "next step -", "Next steps,"; 下一步 with any punctuation after it or none
# (下一步：, 下一步:, 下一步，, 下一步 , 下一步-, 下一步周五前…). Read on normalized text.
_NEXT = re.compile(
    r"(?i)(?:^|(?<=[\s,.;!?。]))(?:next\s+steps?\s*[:\-–—,]|next\s*:)"
    r"|下一步(?:计划|安排)?\s*[:,;.。\-–—~]*"
)
_CONFIRM = re.compile(r"(?i)(?:^|(?<=\s))(?:confirm(?:ers)?\s*:?|确认人\s*:?)(?=\s*@)")
# "- @bob …": after a space, or straight after a Chinese full stop (no space is written there)
_ITEM = re.compile(r"(?:^|\s|(?<=[。；！？]))[-－•*]\s*(?=@)|\n\s*[-－•*]\s+")
_STEP_EDGE = re.compile(r"^[\s,;:，；：。\-–—]+|[\s,;:，；：。\-–—]+$")


def _dates(line: Line, find, text: str):  # type: ignore[no-untyped-def]
    """`find` (a reader of bot/parse) on `text` in the speaker's zone; an impossible date
    (2月30日, 25:00) is the user's error, named."""
    try:
        return find(text, now=line.ctx.now, tz=line.ctx.tz, day_start=line.ctx.day_start)
    except DateError as e:
        raise Fail("bad_date", line.command, text=e.text) from None


def _deadline(line: Line, text: str) -> tuple[str, When | None]:
    """A step and its deadline: "by Fri" / "周五前" anywhere, else a date ending or starting
    it ("call back tomorrow", "明天下午3点回电"); (the step, None) when it has no date."""
    if hit := _dates(line, find_deadline, text):
        return hit
    tail = _dates(line, find_trailing, text)
    if tail and text[: tail[0]].strip():
        return _STEP_EDGE.sub("", text[: tail[0]]), tail[1]
    lead = _dates(line, find_leading, text)
    if lead and text[lead[1] :].strip():
        return _STEP_EDGE.sub("", text[lead[1] :]), lead[0]
    return text.strip(), None


def _unread(line: Line, text: str) -> None:
    """Words that look like a date where none could be read are asked back, never replaced
    by a default: the reply quotes them and shows the forms that work."""
    if hint := date_hint(text):
        raise Fail("unread_date", line.command, text=hint)


def _due(when: When | None) -> dict:
    return {"due": when.at if when else None, "due_all_day": bool(when and when.all_day)}


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
        next_step, due = _deadline(line, body[m.end() :].strip())
        if not next_step:
            raise Fail("missing_next_step", "log")
        if due is None:
            _unread(line, next_step)
    if not notes:
        raise Fail("missing_notes", "log")
    return i.LogTouch(
        customer=customer,
        deal_ref=deal_ref,
        type=kind,
        text=text,
        notes=notes,
        next_step=next_step,
        tags=tags,
        **_due(due),
    )


def without_tags(text: str) -> str:
    return re.sub(r"(?:^|\s)[#＃][^\s#＃\d][^\s#＃]*", "", text).strip()


def deal(line: Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens, verbs=DEAL_VERBS)
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
        if amount is None and args and not args[-1].quoted and out_of_range(args[-1].text):
            # an amount no deal has (above 10^12, or finer than cents): refused, not a title
            raise Fail("amount_out_of_range", "deal", text=args[-1].text)
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
    if is_ref(tokens[0].text, "task") and not line.ctx.is_customer(tokens[0].text):
        return _reschedule(line, tokens)
    customer, rest = line.customer(tokens)
    text = line.from_(rest)
    what, due = _deadline(line, text) if text else ("", None)
    if due is None:
        if text and _dates(line, read_when, text):
            raise Fail("missing_text", "task")  # only a date: what is to be done?
        _unread(line, text)
        raise Fail("missing_when", "task", text=text)
    if not what:
        raise Fail("missing_text", "task")
    return i.TaskAdd(customer=customer, text=what, **_due(due))


# "/task T5 to Fri", "/待办 T5 改到周五": the words that may come before the new date
_MOVE = re.compile(
    r"(?:to\s+|(?:改到|改为|改成|推迟到|推到|延到|延期到|延后到|挪到|调到|调整到|提前到|到)\s*)"
)


def _reschedule(line: Line, tokens: list[Token]) -> i.Intent:
    """`/task T5 Fri`, `/待办 T5 周五前`: the task's new deadline, and nothing else."""
    task_id = ref_id(tokens[0].text, "task")
    assert task_id is not None
    text = line.from_(tokens[1:])
    if m := _MOVE.match(ascii_lower(normalize(text))):
        text = text[m.end() :]
    due = _dates(line, read_when, text) if text else None
    if due is None and text:
        hit = _dates(line, find_deadline, text)
        if hit and not hit[0]:
            due = hit[1]
        elif hit or _dates(line, find_trailing, text) or _dates(line, find_leading, text):
            raise Fail("bad_reschedule", "task", text=text)
    if due is None:
        _unread(line, text)
        raise Fail("missing_when", "task", text=text)
    return i.TaskReschedule(task_id=task_id, due=due.at, due_all_day=due.all_day)


def tasks(line: Line, tokens: list[Token]) -> i.Intent:
    who = line.mentions(tokens)
    return i.TaskList(person=who[0] if who else None)


def meeting(line: Line, tokens: list[Token]) -> i.Intent:
    customer, rest = line.customer(tokens)
    attendees = tuple(line.mentions(rest))
    duration: timedelta | None = None
    when_tokens = []
    words = [
        t for t in rest if not (t.mention or t.folded in ("with", "和", "与", "参会", "参会人"))
    ]
    k = 0
    while k < len(words):
        # a length in one word (90m, 1.5h, 90分钟) or two (90 min, 2 hours)
        for n in (1, 2) if duration is None else ():
            d = _meeting_length(line, line.words(words[k : k + n])) if k + n <= len(words) else None
            if d is not None:
                duration, k = d, k + n
                break
        else:
            when_tokens.append(words[k])
            k += 1
    text = " ".join(t.text for t in when_tokens)
    when = _dates(line, read_when, text) if text else None
    if when is None:
        # the words beside a date that was read ("下旬 14:00": 下旬), else all of them
        rest = text
        if tail := _dates(line, find_trailing, text):
            rest = text[: tail[0]]
        elif lead := _dates(line, find_leading, text):
            rest = text[lead[1] :]
        _unread(line, rest)
        raise Fail("missing_when", "meeting", text=line.words(when_tokens))
    return i.MeetingAdd(
        customer=customer,
        starts_at=when.moment(line.ctx.day_start),
        duration=duration or timedelta(hours=1),
        attendees=attendees,
    )


_LENGTH = re.compile(
    rf"(-)?\s*([0-9]+(?:\.[0-9]+)?|{CN_NUM})\s*"
    r"(hours?|hrs?|h|minutes?|mins?|m|days?|d|个?小时|个?钟头|分钟|分|天)"
)
_LENGTH_MINUTES = {"h": 60, "d": 1440, "m": 1, "小": 60, "钟": 60, "分": 1, "天": 1440}


def _meeting_length(line: Line, text: str) -> timedelta | None:
    """A meeting's length, or None when `text` is not one; a length of 0, below 0 or over a
    day is named as the problem."""
    if (d := parse_duration(text)) is not None:
        return d
    m = _LENGTH.fullmatch(ascii_lower(normalize(text)).strip())
    if m is None:
        return None
    n = float(m[2]) if m[2][0].isdigit() else cn_int(m[2])
    minutes = n * _LENGTH_MINUTES[m[3].lstrip("个")[0]]
    if minutes and m[1]:
        raise Fail("bad_duration", "meeting", text=text, problem="negative")
    if not minutes:
        raise Fail("bad_duration", "meeting", text=text, problem="zero")
    if minutes > 24 * 60:
        raise Fail("bad_duration", "meeting", text=text, problem="too_long")
    return timedelta(minutes=round(minutes))


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
        what, due = _deadline(line, part)
        if what:
            if due is None:
                _unread(line, what)
            items.append(i.ActionItem(owner=owner, text=what, **_due(due)))
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
