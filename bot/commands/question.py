"""/question <customer> <text> (/问题): a customer's question, tracked under its SLA until
someone answers it (/answered)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.command import Command
from bot.context import Context
from bot.covering import covering, told
from bot.customers import find
from bot.grammar.line import Fail, Line
from bot.intents import CustomerRef, Intent
from bot.lexer import Token
from bot.outcome import Outcome
from storage.models import Person, Question


@dataclass(frozen=True, kw_only=True)
class QuestionAdd(Intent):
    customer: CustomerRef
    text: str


def parse(line: Line, tokens: list[Token]) -> QuestionAdd:
    customer, rest = line.customer(tokens)
    text = line.from_(rest)
    if not text:
        raise Fail("missing_text", "question")
    return QuestionAdd(customer=customer, text=text)


def add_question(ctx: Context, intent: QuestionAdd) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True, cover=True)
    question = Question(
        tenant_id=ctx.tenant.id,
        customer_id=customer.id,
        owner_id=customer.owner_id or ctx.me.id,
        text=intent.text,
        asked_by=ctx.me.display_name,
        asked_at=ctx.now,
        channel_platform=ctx.event.platform,
        channel_id=ctx.event.channel_id,
        thread_id=ctx.event.thread_id,
    )
    ctx.session.add(question)
    ctx.session.flush()
    owner = ctx.session.get_one(Person, question.owner_id)
    text = ctx.t(
        "questions.opened", question=question, customer=customer, created=created, owner=owner
    )
    if covered := covering(ctx, customer):  # the owner is told below, as for any question
        out = told(
            ctx,
            text,
            covered,
            customer,
            kind="question",
            subject=f"question:{question.id}",
            text=question.text,
            push=False,
        )
    else:
        out = Outcome().reply(text)
    if owner.id != ctx.me.id:
        out.push(
            owner.id,
            ctx.t_for(
                owner,
                "questions.assigned",
                question=question,
                customer=customer,
                by=ctx.me,
            ),
        )
    return out


COMMAND = Command(
    key="question",
    en=("question",),
    zh=("问题",),
    parse=parse,
    handles={QuestionAdd: add_question},
)
