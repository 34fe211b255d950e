"""What a command asks for, after parsing and before touching the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.parse.amounts import Amount


@dataclass(frozen=True, kw_only=True)
class CustomerRef:
    name: str
    quoted: bool = False


@dataclass(frozen=True, kw_only=True)
class LogTouch:
    customer: CustomerRef
    deal_ref: int | None
    type: str  # call visit meeting email chat note
    text: str  # the rep's words, verbatim
    notes: str  # the words before "next:", without #tags
    next_step: str | None
    due: datetime | None
    tags: tuple[str, ...]
    due_all_day: bool = False  # no time written: `due` is that day's 00:00


@dataclass(frozen=True, kw_only=True)
class DealCommand:
    customer: CustomerRef
    deal_ref: int | None
    verb: str  # show new stage amount won lost close
    title: str = ""
    amount: Amount | None = None
    stage: str | None = None
    note: str = ""
    when: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class TaskAdd:
    customer: CustomerRef
    text: str
    due: datetime
    due_all_day: bool = False  # no time written: `due` is that day's 00:00


@dataclass(frozen=True, kw_only=True)
class TaskReschedule:
    """`/task T5 Fri`, `/待办 T5 周五`: move a task's deadline."""

    task_id: int
    due: datetime
    due_all_day: bool = False


@dataclass(frozen=True, kw_only=True)
class TaskList:
    person: str | None  # @token


@dataclass(frozen=True, kw_only=True)
class MeetingAdd:
    customer: CustomerRef
    starts_at: datetime
    duration: timedelta
    attendees: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ActionItem:
    owner: str | None  # @token; None means the speaker
    text: str
    due: datetime | None
    due_all_day: bool = False


@dataclass(frozen=True, kw_only=True)
class MinutesAdd:
    customer: CustomerRef
    text: str
    items: tuple[ActionItem, ...]


@dataclass(frozen=True, kw_only=True)
class QuestionAdd:
    customer: CustomerRef
    text: str


@dataclass(frozen=True, kw_only=True)
class Answered:
    question_id: int


@dataclass(frozen=True, kw_only=True)
class ReqAdd:
    customer: CustomerRef
    text: str
    confirmers: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ReqRevise:
    requirement_id: int
    text: str
    confirmers: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class PipelineView:
    scope: str  # mine team all person
    person: str | None = None


@dataclass(frozen=True, kw_only=True)
class DigestView:
    pass


@dataclass(frozen=True, kw_only=True)
class ProgressView:
    person: str | None
    period: str  # week | month


@dataclass(frozen=True, kw_only=True)
class TargetSet:
    person: str
    period: str  # 2026-12 | 2026-W49
    calls: int | None
    visits: int | None
    won: Amount | None


@dataclass(frozen=True, kw_only=True)
class Handover:
    customer: CustomerRef
    from_person: str
    to_person: str


@dataclass(frozen=True, kw_only=True)
class CustomerShow:
    customer: CustomerRef
    history: bool = False  # who changed what: `/customer Acme history`, `/客户 华为 历史`


@dataclass(frozen=True, kw_only=True)
class CustomerAliasAdd:
    customer: CustomerRef
    alias: str


@dataclass(frozen=True, kw_only=True)
class Help:
    topic: str | None


@dataclass(frozen=True, kw_only=True)
class RoleSet:
    person: str
    role: str  # rep manager admin


@dataclass(frozen=True, kw_only=True)
class TeamSet:
    name: str
    lead: str
    members: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Link:
    customer: CustomerRef
    channel: str | None  # a channel token (#general, <#C123>) or None for this channel


Intent = (
    LogTouch
    | DealCommand
    | TaskAdd
    | TaskReschedule
    | TaskList
    | MeetingAdd
    | MinutesAdd
    | QuestionAdd
    | Answered
    | ReqAdd
    | ReqRevise
    | PipelineView
    | DigestView
    | ProgressView
    | TargetSet
    | Handover
    | CustomerShow
    | CustomerAliasAdd
    | Help
    | RoleSet
    | TeamSet
    | Link
)


@dataclass(frozen=True, kw_only=True)
class ParseError:
    """What was wrong, as a message key and its parameters; `command` picks the example."""

    code: str
    command: str | None = None
    params: tuple[tuple[str, str], ...] = ()
