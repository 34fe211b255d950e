"""Whose records an import from the command line writes: the tenant named (by its id, its name
or a workspace's id), else the only one; and the person `--owner` names. The chat's /import
knows both from who sends the file."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sheets.known import Known, name_key
from storage.models import Tenant, Workspace


def tenant_named(session: Session, wanted: str | None) -> tuple[Tenant | None, list[str]]:
    """The tenant `wanted` names, or the only one when `wanted` is None; None when there is
    none or several, with every tenant as "id name" for the answer."""
    tenants = list(session.scalars(select(Tenant).order_by(Tenant.id)))
    names = [f"{t.id} {t.name}" for t in tenants]
    if wanted is None:
        return (tenants[0] if len(tenants) == 1 else None), names
    wanted = wanted.strip()
    spaces = dict(session.execute(select(Workspace.external_id, Workspace.tenant_id)).all())
    for t in tenants:
        if wanted in (str(t.id), t.name) or spaces.get(wanted) == t.id:
            return t, names
    return None, names


def person_named(session: Session, tenant_id: int, name: str) -> int | None:
    """The one person of the tenant called `name` (display name or handle, @ or not)."""
    found = Known(session, tenant_id).people().get(name_key(name.lstrip("@")), set())
    return next(iter(found)) if len(found) == 1 else None
