"""People named in what dealbot says, so that each platform can notify them natively.

The words in messages/ name a person with `f.who(p)`, which writes a marker carrying the
person's id. When a message is posted to a platform, `resolve` turns each marker into that
person's user id on that platform (and their name); the platform's sender then `render`s it in
its own form (a mention that notifies), and a platform without mentions, or a person without an identity
there, reads `@name`. The markers are control characters, which people cannot type (the edge
drops them), so a customer's words can never forge one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from storage.models import Identity, Person

_PERSON = re.compile("\x02(\\d+)\x03")  # in the core's text: a person, by id
_RESOLVED = re.compile("\x02([^\x02\x03\x1f]*)\x1f([^\x02\x03]*)\x03")  # user id, name


def marker(person_id: int) -> str:
    return f"\x02{person_id}\x03"


def resolver(session: Session, platform: str, texts: Iterable[str]) -> Callable[[str], str]:
    """Looks up, in one go, everyone these texts name; returns what resolves each text."""
    ids = {int(m) for text in texts for m in _PERSON.findall(text)}
    if not ids:
        return lambda text: text
    names: dict[int, str] = {}
    users: dict[int, str] = {}  # the newest identity on the platform wins: the dict keeps the last
    for pid, name, uid in session.execute(
        select(Person.id, Person.display_name, Identity.external_id)
        .outerjoin(Identity, and_(Identity.person_id == Person.id, Identity.platform == platform))
        .where(Person.id.in_(ids))
        .order_by(Person.id, Identity.id)
    ):
        names[pid] = name
        if uid is not None:
            users[pid] = uid

    def one(m: re.Match[str]) -> str:
        return f"\x02{users.get(int(m[1]), '')}\x1f{names.get(int(m[1]), '?')}\x03"

    return lambda text: _PERSON.sub(one, text)


def resolve(session: Session, text: str, platform: str) -> str:
    return resolver(session, platform, [text])(text)


def plain(user_id: str, name: str) -> str:
    return "@" + name


def render(text: str, native: Callable[[str, str], str] = plain) -> str:
    """Resolved markers in a platform's own form; a person with no id there as `@name`."""
    text = _RESOLVED.sub(lambda m: native(m[1], m[2]) if m[1] else plain(m[1], m[2]), text)
    return _PERSON.sub("@?", text)  # never resolved (a bug): say so rather than leak bytes


def names(session: Session, text: str) -> str:
    """The text as a person reads it without any platform (tests, logs): `@name`."""
    return render(resolve(session, text, ""))
