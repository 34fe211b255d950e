"""audit_log append-only in the database: a trigger refuses UPDATE and DELETE

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:10:00

storage/append_only.py refuses changes made through the ORM; this refuses them from anywhere
(raw SQL, another tool, a mistaken script), on PostgreSQL and SQLite alike, with the error an
integrity rule gives (IntegrityError through SQLAlchemy).

What the schema itself does is let through, and nothing else:
- a tenant's removal cascades to its entries (tenant_id … ON DELETE CASCADE), and to its people,
  which nulls their entries' actor (actor_id … ON DELETE SET NULL): a change to an entry whose
  tenant row is gone is allowed;
- a person's removal nulls the actor of their entries: an UPDATE that sets actor_id to NULL,
  changes nothing else, and whose person row is gone is allowed.
Nothing in dealbot deletes audit entries otherwise: retention (bot/retention.py) prunes only
the delivered inbox and outbox rows. TRUNCATE (an owner's command, used by the tests to empty a
PostgreSQL database) fires no row trigger and is not refused.

A later migration that rebuilds audit_log on SQLite (batch_alter_table copies the table and
drops the old one) drops these triggers with it, and must create them again (upgrade() here);
tests/test_audit.py checks them at the head.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- the tenant is gone: its removal cascades here (deletes, and actors nulled)
    IF NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    -- a person removed: their entries keep everything but the actor's id
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM people WHERE id = OLD.actor_id)
       AND to_jsonb(NEW) - 'actor_id' = to_jsonb(OLD) - 'actor_id' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$
"""

PG_TRIGGER = """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
"""

SQLITE_NO_DELETE = """
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END
"""

SQLITE_NO_UPDATE = """
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id)
    AND NOT (NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM people WHERE id = OLD.actor_id)
             AND NEW.id IS OLD.id AND NEW.tenant_id IS OLD.tenant_id
             AND NEW.action IS OLD.action AND NEW.subject IS OLD.subject
             AND NEW.customer_id IS OLD.customer_id AND NEW.detail IS OLD.detail
             AND NEW.at IS OLD.at)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_NO_DELETE)
        op.execute(SQLITE_NO_UPDATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
