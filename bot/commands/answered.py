"""/answered <id> [the answer] (/已答复): the customer's question has its answer, kept with
it as written (one layer of quotes around it taken off); its SLA clock stops."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.command import Command
from bot.context import Context, UserError
from bot.grammar.line import Fail, Line
from bot.intents import Intent
from bot.lexer import Token, ref_id
from bot.outcome import Outcome
from bot.parse.quotes import unquote
from storage.models import Customer, Question


@dataclass(frozen=True, kw_only=True)
class Answered(Intent):
    question_id: int
    answer: str = ""


def parse(line: Line, tokens: list[Token]) -> Answered:
    qid = ref_id(tokens[0].text, "question") if tokens else None
    if qid is None:
        raise Fail("bad_id", "answered", text=line.words(tokens[:1]) or line.words(tokens))
    return Answered(question_id=qid, answer=unquote(line.from_(tokens[1:])))


def answered(ctx: Context, intent: Answered) -> Outcome:
    question = ctx.session.get(Question, intent.question_id)
    if question is None or question.tenant_id != ctx.tenant.id:
        raise UserError("unknown_question", ref=intent.question_id)
    customer = ctx.session.get_one(Customer, question.customer_id)
    if not ctx.reach.involved(customer, question.owner_id):
        raise UserError("unknown_question", ref=intent.question_id)
    if question.status == "answered":
        if intent.answer and not question.answer:  # closed earlier without one: kept now
            question.answer = intent.answer
            return Outcome().reply(ctx.t("answered.noted", question=question, customer=customer))
        return Outcome().reply(ctx.t("answered.already", question=question), private=True)
    question.status, question.answered_at, question.answered_by_id = "answered", ctx.now, ctx.me.id
    question.answer = intent.answer or None
    return Outcome().reply(ctx.t("answered.closed", question=question, customer=customer))


COMMAND = Command(
    key="answered",
    en=("answered",),
    zh=("已答复",),
    parse=parse,
    handles={Answered: answered},
)
