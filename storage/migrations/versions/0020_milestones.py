"""delivery milestones (交付节点) (issue 20)

- milestones: a deal's delivery milestone, its title verbatim, due day or moment, owner, status
  open|done, who finished it and when (payment steps of 0021 hang on `done_at`), and the
  reminder bookkeeping.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_all_day", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["done_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestones_tenant_id"), ["tenant_id"])
        batch_op.create_index("ix_milestones_open_due", ["status", "due_at"])
        batch_op.create_index("ix_milestones_deal", ["deal_id", "status", "due_at"])
        batch_op.create_index("ix_milestones_customer", ["customer_id", "status", "due_at"])
        batch_op.create_index("ix_milestones_owner", ["tenant_id", "owner_id", "status"])


def downgrade() -> None:
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        for name in (
            "ix_milestones_owner",
            "ix_milestones_customer",
            "ix_milestones_deal",
            "ix_milestones_open_due",
            "ix_milestones_tenant_id",
        ):
            batch_op.drop_index(name)
    op.drop_table("milestones")
