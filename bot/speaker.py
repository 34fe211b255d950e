"""How a person is spoken to: their zone, their language, their currency — the one rule.

A person's own zone and language win; where they have none, the tenant's. Money is the
tenant's (a person has no currency of their own). Every push, card and listing that speaks to
or about someone other than the one typing asks here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.i18n import Words
from storage.models import Person, Tenant


@dataclass(frozen=True, kw_only=True)
class Speaker:
    zone: str  # an IANA zone name, e.g. Asia/Shanghai
    locale: str  # zh_CN, en
    currency: str  # ISO 4217, e.g. CNY


def speaker(person: Person, tenant: Tenant) -> Speaker:
    """Zone and language: the person's, else the tenant's; currency: the tenant's."""
    return Speaker(
        zone=person.timezone or tenant.timezone,
        locale=person.locale or tenant.locale,
        currency=tenant.currency,
    )


def words_for(
    words: Words,
    person: Person,
    tenant: Tenant,
    key: str,
    *,
    now: datetime | None,
    **params: Any,
) -> str:
    """Words for `person` (a push, a card), in their language and zone, said at `now` (a date
    in another year than now's shows its year)."""
    to = speaker(person, tenant)
    return words(to.locale, key, tz=to.zone, now=now, **params)
