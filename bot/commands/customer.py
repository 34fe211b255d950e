"""/customer <name> [history | alias <other name>] (/客户 … 历史 | 别名 …): a customer's
history, newest first; who changed its deals; another name it goes by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from bot import audit, collaborators, contacts, milestones
from bot.commands import quiet_buttons
from bot.commands.command import Command
from bot.context import Context, UserError
from bot.customers import exact, find, name_key
from bot.grammar.line import Fail, Line
from bot.intents import CustomerRef, Intent
from bot.lexer import Token
from bot.merge import CONFIRM, MERGE, CustomerMerge, merge
from bot.outcome import Outcome
from storage.models import (
    Activity,
    AuditEntry,
    CustomerAlias,
    Deal,
    Person,
    Question,
    Requirement,
    RequirementVersion,
    Task,
)

HISTORY_SHOWN = 20  # touches listed by /customer; the older ones are counted
DEALS_SHOWN = 10  # deals listed by /customer: the open ones first, then the latest closed
TASKS_SHOWN = 10  # open tasks listed by /customer, the soonest due first
ANSWERS_SHOWN = 5  # answered questions listed by /customer, the latest first
# `/customer Acme history`: who changed what. Not 记录: that word is /log's Chinese name.
HISTORY = ("history", "历史", "变更记录")


@dataclass(frozen=True, kw_only=True)
class CustomerShow(Intent):
    customer: CustomerRef
    history: bool = False  # who changed what: `/customer Acme history`, `/客户 华为 历史`


@dataclass(frozen=True, kw_only=True)
class CustomerAliasAdd(Intent):
    customer: CustomerRef
    alias: str


def parse(line: Line, tokens: list[Token]) -> Intent:
    customer, rest = line.customer(tokens)
    if not rest:
        return CustomerShow(customer=customer)
    if len(rest) == 1 and rest[0].folded in HISTORY:
        return CustomerShow(customer=customer, history=True)
    if rest[0].folded in MERGE and len(rest) > 1:  # `/customer A merge B [confirm]`
        confirm = len(rest) > 2 and not rest[-1].quoted and rest[-1].folded in CONFIRM
        named = rest[1:-1] if confirm else rest[1:]
        quoted = len(named) == 1 and named[0].quoted
        other = CustomerRef(name=named[0].text if quoted else line.words(named), quoted=quoted)
        return CustomerMerge(customer=customer, other=other, confirm=confirm)
    if rest[0].folded in ("alias", "别名") and len(rest) > 1:
        return CustomerAliasAdd(customer=customer, alias=line.words(rest[1:]).strip('"'))
    if rest[0].folded in collaborators.ADD + collaborators.REMOVE:
        people = line.mentions(rest[1:])
        if not people or len(people) != len(rest) - 1:
            named = " ".join(t.text if t.mention else "@" + t.text.lstrip("@") for t in rest[1:])
            fixed = f"{line.orig[: rest[0].end]} {named}" if named else ""
            raise Fail("bad_collaborators", "customer", word=rest[0].text, fixed=fixed)
        remove = rest[0].folded in collaborators.REMOVE
        return collaborators.CollaboratorChange(
            customer=customer, people=tuple(people), remove=remove
        )
    raise Fail("bad_customer_args", "customer", text=line.words(rest))


def _handed_away(ctx: Context, name: str) -> bool:
    """The asker once owned this customer, handed it over (the audit log's customer.handover
    entries), and no longer reaches it: told so, without to whom or anything recorded."""
    gone = exact(ctx.session, ctx.tenant.id, name)
    if gone is None or ctx.reach.customer(gone):
        return False
    entries = ctx.session.scalars(
        select(AuditEntry.detail).where(
            AuditEntry.tenant_id == ctx.tenant.id,
            AuditEntry.customer_id == gone.id,
            AuditEntry.action == "customer.handover",
        )
    )
    return any(((d or {}).get("before") or {}).get("owner_id") == ctx.me.id for d in entries)


def _more(ctx: Context, query: Select[Any], shown: int, limit: int) -> int:
    """How many rows of `query` were left out, counted only when the list was cut."""
    if shown < limit:
        return 0
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return (ctx.session.scalar(counted) or 0) - shown


def _deals(ctx: Context, customer_id: int) -> tuple[list[Deal], int]:
    """The deals /customer lists, in id order as always, and how many more there are: when
    there are more than DEALS_SHOWN, the open ones are picked first, then the latest."""
    every = select(Deal).where(Deal.customer_id == customer_id)
    picked = every.order_by((Deal.status != "open").asc(), Deal.id.desc()).limit(DEALS_SHOWN)
    deals = sorted(ctx.session.scalars(picked), key=lambda d: d.id)
    return deals, _more(ctx, every, len(deals), DEALS_SHOWN)


def customer(ctx: Context, intent: CustomerShow) -> Outcome:
    try:
        found, _ = find(ctx, intent.customer, create=False)
    except UserError as e:
        gone = e.key in ("unknown_customer", "customer_elsewhere")
        if gone and _handed_away(ctx, intent.customer.name):
            raise UserError("handed_over_customer", name=intent.customer.name) from None
        raise
    if intent.history:
        changes = audit.customer_history(ctx, found)
        text = ctx.t("views.customer_history", customer=found, changes=changes)
        return Outcome().reply(text, private=True)
    s = ctx.session
    owner = s.get(Person, found.owner_id) if found.owner_id else None
    activities = s.execute(
        select(Activity, Person)
        .outerjoin(Person, Person.id == Activity.author_id)
        .where(Activity.customer_id == found.id)
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(HISTORY_SHOWN)
    ).all()
    older = 0
    if len(activities) == HISTORY_SHOWN:
        touches = s.scalar(select(func.count(Activity.id)).where(Activity.customer_id == found.id))
        older = (touches or 0) - HISTORY_SHOWN
    deals, more_deals = _deals(ctx, found.id)
    open_tasks = select(Task).where(Task.customer_id == found.id, Task.status == "open")
    tasks = list(s.scalars(open_tasks.order_by(Task.due_at).limit(TASKS_SHOWN)))
    more_tasks = _more(ctx, open_tasks, len(tasks), TASKS_SHOWN)
    questions = list(
        s.scalars(
            select(Question).where(Question.customer_id == found.id, Question.status == "open")
        )
    )
    answered = list(  # the latest answers, each with its question
        s.scalars(
            select(Question)
            .where(Question.customer_id == found.id, Question.status == "answered")
            .order_by(Question.answered_at.desc(), Question.id.desc())
            .limit(ANSWERS_SHOWN)
        )
    )
    reqs, req_words = [], {}
    for req, words in s.execute(  # each with its current words, verbatim
        select(Requirement, RequirementVersion.text)
        .outerjoin(
            RequirementVersion,
            (RequirementVersion.requirement_id == Requirement.id)
            & (RequirementVersion.version == Requirement.current_version),
        )
        .where(Requirement.customer_id == found.id)
        .order_by(Requirement.id)
    ):
        reqs.append(req)
        req_words[req.id] = words
    text = ctx.t(
        "views.customer",
        customer=found,
        owner=owner,
        activities=activities,
        older=older,
        deals=deals,
        more_deals=more_deals,
        tasks=tasks,
        more_tasks=more_tasks,
        questions=questions,
        answered=answered,
        reqs=reqs,
        req_words=req_words,
        collaborators=collaborators.of_customer(ctx, found),
        contacts=contacts.shown(ctx, found),
    )
    if renewal := quiet_buttons.renewal_line(ctx, found):
        text = f"{text.rstrip()}\n{renewal}"
    if delivery := milestones.customer_section(ctx, found):  # done ✓ and late ⚠ marked
        text = f"{text.rstrip()}\n{delivery}"
    return Outcome().reply(text, private=True)


def add_alias(ctx: Context, intent: CustomerAliasAdd) -> Outcome:
    customer, _ = find(ctx, intent.customer, create=False)
    key = name_key(intent.alias)
    taken = ctx.session.scalar(
        select(CustomerAlias).where(
            CustomerAlias.tenant_id == ctx.tenant.id, CustomerAlias.alias_key == key
        )
    )
    if taken is not None or key == customer.name_key:
        raise UserError("alias_taken", alias=intent.alias)
    ctx.session.add(
        CustomerAlias(
            tenant_id=ctx.tenant.id, customer_id=customer.id, alias=intent.alias, alias_key=key
        )
    )
    return Outcome().reply(ctx.t("customers.alias_added", customer=customer, alias=intent.alias))


COMMAND = Command(
    key="customer",
    en=("customer",),
    zh=("客户",),
    parse=parse,
    handles={
        CustomerShow: customer,
        CustomerAliasAdd: add_alias,
        CustomerMerge: merge,
        collaborators.CollaboratorChange: collaborators.change,
    },
    buttons=(quiet_buttons.LOG, quiet_buttons.SNOOZE),  # the quiet-customer list's
)
