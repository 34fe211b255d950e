"""payment plans and money collected (回款) (issue 20)

- payment_steps: a deal's payment plan, a step per row: its amount (and the percentage it was
  written as), due on a day or a delivery milestone's done day plus days, what was paid of it,
  open | paid | replaced, and which reminder went out;
- payments: each sum received on a deal, when, and who recorded it;
- targets.collected: the money to collect in a period (/target … collected=).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("after_days", sa.Integer(), nullable=True),
        sa.Column("terms", sa.String(length=200), nullable=False),
        sa.Column("paid", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded", sa.String(length=10), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["milestone_id"], ["milestones.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_steps_tenant_id"), ["tenant_id"])
        batch_op.create_index("ix_payment_steps_due", ["status", "due_on"])
        batch_op.create_index("ix_payment_steps_deal", ["deal_id", "status", "sequence"])
        batch_op.create_index("ix_payment_steps_customer", ["customer_id", "status", "due_on"])
        batch_op.create_index("ix_payment_steps_milestone", ["milestone_id", "status"])
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_tenant_id"), ["tenant_id"])
        batch_op.create_index("ix_payments_deal", ["deal_id", "received_at"])
        batch_op.create_index("ix_payments_customer", ["customer_id", "received_at"])
        batch_op.create_index("ix_payments_tenant_at", ["tenant_id", "received_at"])
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("collected", sa.Numeric(precision=16, scale=2), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_column("collected")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        for name in (
            "ix_payments_tenant_at",
            "ix_payments_customer",
            "ix_payments_deal",
            "ix_payments_tenant_id",
        ):
            batch_op.drop_index(name)
    op.drop_table("payments")
    with op.batch_alter_table("payment_steps", schema=None) as batch_op:
        for name in (
            "ix_payment_steps_milestone",
            "ix_payment_steps_customer",
            "ix_payment_steps_deal",
            "ix_payment_steps_due",
            "ix_payment_steps_tenant_id",
        ):
            batch_op.drop_index(name)
    op.drop_table("payment_steps")
