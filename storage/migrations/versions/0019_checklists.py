"""stage checklists and who ticked what (issue 20)

- checklist_ticks: an item of a deal's stage checklist ticked, by whom and when, and unticked;
- ix_deals_stage_entered: the digest's scan of deals stuck in a stage.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checklist_ticks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ticked_by_id", sa.Integer(), nullable=True),
        sa.Column("ticked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticked_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["undone_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checklist_ticks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checklist_ticks_tenant_id"), ["tenant_id"])
        batch_op.create_index("ix_checklist_ticks_deal", ["deal_id", "stage", "item"])
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deals_stage_entered", ["tenant_id", "status", "stage", "stage_entered_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_stage_entered")
    with op.batch_alter_table("checklist_ticks", schema=None) as batch_op:
        batch_op.drop_index("ix_checklist_ticks_deal")
        batch_op.drop_index("ix_checklist_ticks_tenant_id")
    op.drop_table("checklist_ticks")
