"""inbox rows carry their conversation and lane (a hash of platform, workspace and
conversation, 0..63), so that workers hold sets of lanes and a conversation's rows are handled
in order: ix_inbox_conversation serves "an earlier row of this conversation is not done yet".
Rows stored before have no conversation (they keep no order, as before) and lane 0.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 08:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lane", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("conversation", sa.String(300), nullable=True))
        batch_op.create_index("ix_inbox_lane_due", ["lane", "status", "next_attempt_at"])
        batch_op.create_index("ix_inbox_conversation", ["conversation", "status", "id"])


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_conversation")
        batch_op.drop_index("ix_inbox_lane_due")
        batch_op.drop_column("conversation")
        batch_op.drop_column("lane")
