"""A person's own page in the app: their open tasks (with Done buttons), their pipeline and the
approvals waiting for them (with their buttons), as neutral cards. Shown where a platform has
such a page, when the person opens it and again after a button pressed on it. Each part is
the answer its command gives (/tasks, /pipeline mine, /approvals), not counted again."""

from __future__ import annotations

from bot.commands.approvals_view import ApprovalsView, listing
from bot.commands.pipeline_view import PipelineView, pipeline
from bot.commands.tasks import TaskList, list_tasks
from bot.context import Context, UserError
from bot.outcome import Card, Outcome


def _cards(part: str, outcome: Outcome) -> list[Card]:
    cards = []
    for n, reply in enumerate(outcome.replies):
        message = reply.message
        if message.card is not None:
            cards.append(message.card)
        elif message.text:  # a listing said in words (nothing open, nothing waiting)
            title, _, body = message.text.partition("\n")
            cards.append(
                Card(key=f"home:{part}:{n}", title=title, body=body, fallback=message.text)
            )
    return cards


def home(ctx: Context) -> list[Card]:
    """The page of `ctx.me`, in their language and zone."""
    cards: list[Card] = []
    for part, show in (
        ("tasks", lambda: list_tasks(ctx, TaskList(person=None))),
        ("pipeline", lambda: pipeline(ctx, PipelineView(scope="mine"))),
        ("approvals", lambda: listing(ctx, ApprovalsView())),
    ):
        try:
            cards += _cards(part, show())
        except UserError:  # a part this person may not see is left out
            continue
    return cards
