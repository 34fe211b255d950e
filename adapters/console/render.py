"""Outcomes → terminal text. Cards become boxes with numbered buttons. Pure."""

from __future__ import annotations

from bot import mentions
from bot.outcome import Card, Message


def indent(text: str, prefix: str) -> str:
    lines = text.strip("\n").splitlines() or [""]
    pad = " " * len(prefix)
    return "\n".join([prefix + lines[0], *(pad + line for line in lines[1:])])


def card(c: Card) -> str:
    out = [f"┌─ {mentions.render(c.title)}"]
    out += [f"│ {line}" for line in c.body.strip("\n").splitlines() if line.strip()]
    out += [f"│ {label}: {value}" for label, value in c.fields]
    width = max((len(b.label) for b in c.buttons), default=0)
    out += [
        f"│ [{n}] {b.label.ljust(width)}   :click {b.id}" for n, b in enumerate(c.buttons, start=1)
    ]
    out.append("└─")
    return mentions.render("\n".join(out))


def message(m: Message, prefix: str) -> str:
    parts = []
    if m.text:
        parts.append(indent(mentions.render(m.text), prefix))
    if m.card is not None:
        parts.append(indent(card(m.card), prefix if not parts else " " * len(prefix)))
    return "\n".join(parts)


def message_card_update(c: Card) -> str:
    return indent(card(c), "dealbot (card updated): ")
