"""Chatter overheard in a channel shared with a customer: their questions open, our replies close.

Nothing is ever said in the channel itself: the customer sees a normal conversation.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.events import Event
from bot.jobs.env import JobEnv
from bot.outcome import Outcome
from bot.parse.asks import asks_something
from bot.speaker import words_for
from storage.models import Customer, CustomerChannel, Identity, Person, Question, Tenant


def overheard(session: Session, tenant: Tenant, event: Event, env: JobEnv) -> Outcome:
    """Opens or closes questions; the outcome tells the owner of a question just opened."""
    outcome = Outcome()
    link = session.scalar(
        select(CustomerChannel).where(
            CustomerChannel.tenant_id == tenant.id,
            CustomerChannel.platform == event.platform,
            CustomerChannel.channel_id == event.channel_id,
        )
    )
    if link is None or not event.text:
        return outcome
    customer = session.get_one(Customer, link.customer_id)
    if event.from_other_org:
        if not asks_something(event.text):
            return outcome
        question = Question(
            tenant_id=tenant.id,
            customer_id=customer.id,
            owner_id=customer.owner_id,
            text=event.text,
            asked_by=event.user_name,
            asked_at=event.occurred_at,
            channel_platform=event.platform,
            channel_id=event.channel_id,
            thread_id=event.thread_id or event.message_id,
        )
        session.add(question)
        session.flush()
        owner = session.get(Person, customer.owner_id) if customer.owner_id else None
        if owner is not None:
            text = words_for(
                env.words,
                owner,
                tenant,
                "questions.overheard",
                now=env.now,
                question=question,
                customer=customer,
            )
            outcome.push(owner.id, text, key=f"question:{question.id}:opened")
        return outcome
    # one of ours answered: in a thread, that thread's question; else the channel's
    query = select(Question).where(
        Question.tenant_id == tenant.id,
        Question.status == "open",
        Question.channel_platform == event.platform,
        Question.channel_id == event.channel_id,
        Question.asked_at <= event.occurred_at,
    )
    if event.thread_id:
        query = query.where(Question.thread_id == event.thread_id)
    answerer = session.scalar(
        select(Identity.person_id).where(
            Identity.tenant_id == tenant.id,
            Identity.platform == event.platform,
            Identity.external_id == event.user_id,
        )
    )
    for question in session.scalars(query):
        question.status, question.answered_at = "answered", event.occurred_at
        question.answered_by_id = answerer
    return outcome
