"""the day each person's daily digest was settled

The digest is a morning message: once it has gone out, or found nothing to report, that day
is marked on the person, so it never fires later the same day. Existing people start unmarked.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_checked_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("digest_checked_on")
