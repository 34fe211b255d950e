"""quote and discount approvals, with their clock (issue 20)

- approvals: a rep's request to quote a price and/or a discount on a deal, who decides it at
  which level, the decision and the working seconds it took;
- deals.discount_percent: the discount last approved for the deal.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=True),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("discount_percent", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("working_seconds", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requester_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["approver_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approvals_tenant_id"), ["tenant_id"])
        batch_op.create_index("ix_approvals_waiting", ["status", "waiting_since"])
        batch_op.create_index("ix_approvals_approver", ["tenant_id", "approver_id", "status"])
        batch_op.create_index("ix_approvals_requester", ["tenant_id", "requester_id", "status"])
        batch_op.create_index("ix_approvals_deal", ["deal_id", "status"])
        batch_op.create_index("ix_approvals_customer", ["customer_id", "status"])
        batch_op.create_index("ix_approvals_decided", ["tenant_id", "decided_at"])
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("discount_percent", sa.Numeric(precision=5, scale=2), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_column("discount_percent")
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        for name in (
            "ix_approvals_decided",
            "ix_approvals_customer",
            "ix_approvals_deal",
            "ix_approvals_requester",
            "ix_approvals_approver",
            "ix_approvals_waiting",
            "ix_approvals_tenant_id",
        ):
            batch_op.drop_index(name)
    op.drop_table("approvals")
