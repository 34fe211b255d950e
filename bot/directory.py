"""A platform's directory of its members, as the core asks it: is `@zhangsan` an account there?

A platform whose text names people by their account id, without a mention that carries it
(an admin setting a team up by ids before its members have written), hands the core a
`Directory` with each event it reads; the others hand none, and a typed name is read as
before. The core never knows which platform answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Member:
    """An account the platform's directory knows: its id there and the name it shows."""

    user_id: str
    name: str


class DirectoryUnavailable(Exception):
    """The directory could not be asked now (unreachable, busy): try again later."""


class NotAnAccount(Exception):
    """The token cannot be an account id there (`@张三`, a name): the directory has nothing to
    say, and the name is read as on a platform without one."""


# `token` without its `@` → the member, or None when the platform says there is no such
# account (or none the app may see); raises NotAnAccount for a token that cannot be an
# account id, DirectoryUnavailable when it cannot tell
Directory = Callable[[str], Member | None]
