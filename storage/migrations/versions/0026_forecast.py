"""forecast (issue 22)

- deals.committed: the rep marked the deal as one they commit to (/deal D5 commit), with who
  did and when;
- forecast_snapshots: the first forecast of a period per rep and currency (won so far and the
  weighted pipeline), to set against what was won once the period is over.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 14:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("committed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("committed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            "fk_deals_committed_by", "people", ["committed_by_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "forecast_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("won", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("weighted", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "tenant_id", "period", "person_id", "currency", name="uq_forecast_once"
        ),
    )
    with op.batch_alter_table("forecast_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forecast_snapshots_tenant_id"), ["tenant_id"])


def downgrade() -> None:
    op.drop_table("forecast_snapshots")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_constraint("fk_deals_committed_by", type_="foreignkey")
        batch_op.drop_column("committed_at")
        batch_op.drop_column("committed_by_id")
        batch_op.drop_column("committed")
