"""a spreadsheet sent to /import remembers what became of it (issue 21)

`files.settled`: NULL while its report waits for a decision, then "imported" or "cancelled";
a second press of Import (or of Cancel) on the same report is answered from it, never
imported twice.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settled", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.drop_column("settled")
