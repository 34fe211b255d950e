"""names without disguise

Names stored before invisible characters were dropped at the edge may hold zero-width or
bidi-control characters, and their match keys predate NFKC folding: `Acme\u200b` could be a
second customer that reads "Acme". Every customer, alias, team and person name is cleaned as
new text now is and re-keyed as matching now keys (storage/names.py: clean, name_key).
Where a cleaned name collides with an older one, the newer keeps its records and gets its id
appended ("Acme (#7)") so an admin can see both and hand one over; a look-alike alias that
now equals a name already taken is dropped, since disguise was all it did.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 17:00:00
"""

import logging

import sqlalchemy as sa
from alembic import op

from storage.names import clean, name_key

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")

customers = sa.table(
    "customers",
    sa.column("id", sa.Integer),
    sa.column("tenant_id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
)
aliases = sa.table(
    "customer_aliases",
    sa.column("id", sa.Integer),
    sa.column("tenant_id", sa.Integer),
    sa.column("alias", sa.String),
    sa.column("alias_key", sa.String),
)
teams = sa.table(
    "teams",
    sa.column("id", sa.Integer),
    sa.column("tenant_id", sa.Integer),
    sa.column("name", sa.String),
)
people = sa.table("people", sa.column("id", sa.Integer), sa.column("display_name", sa.String))
identities = sa.table("identities", sa.column("id", sa.Integer), sa.column("handle", sa.String))


def upgrade() -> None:
    conn = op.get_bind()
    taken = _customers(conn)
    _aliases(conn, taken)
    _teams(conn)
    for table, column in ((people, "display_name"), (identities, "handle")):
        for row_id, value in conn.execute(sa.select(table.c.id, table.c[column])):
            if value is not None and clean(value) != value:
                conn.execute(
                    table.update().where(table.c.id == row_id).values({column: clean(value)})
                )


def _customers(conn: sa.Connection) -> set[tuple[int, str]]:
    """Oldest first, so the customer that was there first keeps its name."""
    rows = conn.execute(
        sa.select(
            customers.c.id, customers.c.tenant_id, customers.c.name, customers.c.name_key
        ).order_by(customers.c.id)
    ).all()
    taken: set[tuple[int, str]] = set()
    changed = []
    for row_id, tenant, name, key in rows:
        new_name = clean(name).strip() or name
        new_key = name_key(new_name)
        if (tenant, new_key) in taken:
            new_name = f"{new_name} (#{row_id})"
            new_key = name_key(new_name)
            logger.warning("customer %s looked like an older one: renamed to keep both", row_id)
        taken.add((tenant, new_key))
        if (new_name, new_key) != (name, key):
            changed.append((row_id, new_name, new_key))
    # keys move in two steps so that a swap of two keys never meets the unique index halfway
    for row_id, _, _ in changed:
        conn.execute(
            customers.update()
            .where(customers.c.id == row_id)
            .values(name_key=f"~migrating~{row_id}")
        )
    for row_id, new_name, new_key in changed:
        conn.execute(
            customers.update()
            .where(customers.c.id == row_id)
            .values(name=new_name, name_key=new_key)
        )
    return taken


def _aliases(conn: sa.Connection, names: set[tuple[int, str]]) -> None:
    rows = conn.execute(
        sa.select(aliases.c.id, aliases.c.tenant_id, aliases.c.alias, aliases.c.alias_key).order_by(
            aliases.c.id
        )
    ).all()
    taken: set[tuple[int, str]] = set()
    changed, dropped = [], []
    for row_id, tenant, alias, key in rows:
        new_alias = clean(alias).strip() or alias
        new_key = name_key(new_alias)
        if (tenant, new_key) in taken or (tenant, new_key) in names:
            dropped.append(row_id)
            continue
        taken.add((tenant, new_key))
        if (new_alias, new_key) != (alias, key):
            changed.append((row_id, new_alias, new_key))
    if dropped:
        logger.warning("dropped %d look-alike aliases", len(dropped))
        conn.execute(aliases.delete().where(aliases.c.id.in_(dropped)))
    for row_id, _, _ in changed:
        conn.execute(
            aliases.update().where(aliases.c.id == row_id).values(alias_key=f"~migrating~{row_id}")
        )
    for row_id, new_alias, new_key in changed:
        conn.execute(
            aliases.update()
            .where(aliases.c.id == row_id)
            .values(alias=new_alias, alias_key=new_key)
        )


def _teams(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.select(teams.c.id, teams.c.tenant_id, teams.c.name).order_by(teams.c.id)
    ).all()
    taken: set[tuple[int, str]] = set()
    changed = []
    for row_id, tenant, name in rows:
        new_name = clean(name).strip() or name
        if (tenant, new_name) in taken:
            new_name = f"{new_name} (#{row_id})"
        taken.add((tenant, new_name))
        if new_name != name:
            changed.append((row_id, new_name))
    for row_id, _ in changed:
        conn.execute(teams.update().where(teams.c.id == row_id).values(name=f"~migrating~{row_id}"))
    for row_id, new_name in changed:
        conn.execute(teams.update().where(teams.c.id == row_id).values(name=new_name))


def downgrade() -> None:
    pass  # the invisible characters are gone for good, and nothing needs them back
