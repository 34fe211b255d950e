"""whole-day deadlines

A task due "Friday" is due the whole of Friday: reminded at its working start, overdue only
once its working hours are over. A task due "Friday 15:00" keeps its moment. Existing tasks
keep their moments (False).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("due_all_day", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("due_all_day")
