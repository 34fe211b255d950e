"""What every job needs: its store, settings, words and moment, and how it pushes to a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot import posting
from bot.i18n import Words
from bot.outcome import Card, Outcome
from bot.settings import Settings
from bot.worktime import WorkCalendar
from storage.models import Person, Tenant


@dataclass(kw_only=True)
class JobEnv:
    sessions: sessionmaker[Session]
    settings: Settings
    words: Words
    now: datetime | None = None  # the run's moment: a date in another year shows its year

    def calendar(self, tenant: Tenant) -> WorkCalendar:
        """The tenant's working calendar (holidays follow the tenant's zone by default)."""
        return self.settings.calendar_for(tenant.timezone)

    def push(
        self,
        session: Session,
        person: Person,
        key: str,
        *,
        text: str = "",
        card: Card | None = None,
        now: datetime,
    ) -> bool:
        outcome = Outcome().push(person.id, text, card=card, key=key)
        return self.post(session, person, outcome, origin=key, now=now) > 0

    def post(
        self, session: Session, person: Person, outcome: Outcome, *, origin: str, now: datetime
    ) -> int:
        """Enqueue the pushes of `outcome` in `person`'s tenant, in order (a digest and then
        its chart); how many rows were new."""
        return posting.post(
            session, tenant_id=person.tenant_id, outcome=outcome, origin=origin, now=now
        )
