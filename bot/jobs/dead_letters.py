"""When a push is given up, the tenant's admins hear about it (never silently dropped)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.delivery import Delivery
from bot.jobs.env import JobEnv
from bot.speaker import words_for
from storage.models import Person, Tenant


def tell_admins(env: JobEnv, delivery: Delivery, reason: str, now: datetime) -> int:
    if delivery.dedup_key.startswith("dead:"):
        return 0  # a notice about a notice would loop
    sent = 0
    with env.sessions.begin() as s:
        tenant = s.get_one(Tenant, delivery.tenant_id)
        admins = s.scalars(
            select(Person).where(Person.tenant_id == tenant.id, Person.role == "admin")
        )
        body = delivery.message.text or (
            delivery.message.card.fallback if delivery.message.card else ""
        )
        for admin in admins:
            text = words_for(
                env.words,
                admin,
                tenant,
                "jobs.dead_letter",
                now=env.now,
                target=delivery.target_name,
                reason=reason,
                text=body[:500],
            )
            sent += env.push(s, admin, f"dead:{delivery.id}:{admin.id}", text=text, now=now)
    return sent
