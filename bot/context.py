"""Everything one handled event needs: the session, who speaks, in which language and zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from bot.directory import Directory
from bot.events import Event
from bot.i18n import Words
from bot.reach import Reach, of
from bot.settings import Settings
from bot.speaker import words_for
from storage.models import Customer, Person, Tenant


class _TenantRow(Protocol):
    tenant_id: Any


R = TypeVar("R", bound=_TenantRow)


class UserError(Exception):
    """A request we refuse or cannot do; rendered from messages/<locale>/errors.j2."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(kw_only=True)
class Context:
    session: Session
    event: Event
    tenant: Tenant
    me: Person
    locale: str
    tz: str
    settings: Settings
    words: Words
    # the directory of the platform the event came from, where it has one (bot/directory.py)
    directory: Directory | None = None
    # customers the grammar found by these names within reach (bot/customers.py `named`), so
    # that the command finds them again without asking; only found ones, never "not found"
    customers_named: dict[str, Customer] = field(default_factory=dict)

    @cached_property
    def reach(self) -> Reach:
        """What the speaker may see and change (bot/reach.py)."""
        return of(self.session, self.me)

    @property
    def now(self) -> datetime:
        return self.event.occurred_at

    def row(self, model: type[R], row_id: int, *, lock: bool = False) -> R | None:
        """The tenant's row `row_id` of `model`; None when there is none (or it is another
        tenant's). `lock`: the row is held until commit (FOR NO KEY UPDATE on PostgreSQL, where
        a concurrent holder is waited for and its committed row read; SQLite's BEGIN IMMEDIATE
        already serialises writers), so that presses and typed decisions on it take turns."""
        found = self.session.get(
            model,
            row_id,
            with_for_update={"key_share": True} if lock else None,
            populate_existing=lock,
        )
        return found if found is not None and found.tenant_id == self.tenant.id else None

    def t(self, key: str, **params: Any) -> str:
        return self.words(self.locale, key, tz=self.tz, now=self.now, **params)

    def t_for(self, person: Person, key: str, **params: Any) -> str:
        """Words for someone else (a push to a colleague): in their language and zone, now."""
        return words_for(self.words, person, self.tenant, key, now=self.now, **params)
