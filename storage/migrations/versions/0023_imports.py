"""customers imported from a spreadsheet (issue 21): the id another system knows them by

`customers.external_id` is the key a re-import matches on before names (the CRM's account
id); unique per tenant where set (NULLs never collide, on SQLite and PostgreSQL alike).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 13:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=100), nullable=True))
    op.create_index(
        "ix_customers_external_id", "customers", ["tenant_id", "external_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_customers_external_id", table_name="customers")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("external_id")
