"""team goals (issue 22)

- targets.meetings, targets.new_deals: a rep's goal of meetings held and deals opened;
- team_goals: a team's goal for a period (week, month or quarter), kept as the team's own
  total beside the members' targets it was split into, and how it was split.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 14:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meetings", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("new_deals", sa.Integer(), nullable=True))
    op.create_table(
        "team_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=True),
        sa.Column("visits", sa.Integer(), nullable=True),
        sa.Column("meetings", sa.Integer(), nullable=True),
        sa.Column("new_deals", sa.Integer(), nullable=True),
        sa.Column("won_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("collected", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("split", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "team_id", "period"),
    )
    with op.batch_alter_table("team_goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_goals_tenant_id"), ["tenant_id"])


def downgrade() -> None:
    with op.batch_alter_table("team_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_goals_tenant_id"))
    op.drop_table("team_goals")
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_column("new_deals")
        batch_op.drop_column("meetings")
