"""what a deal's amount was written with about tax (含税, 不含税, excl. VAT)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 05:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tax_note", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_column("tax_note")
