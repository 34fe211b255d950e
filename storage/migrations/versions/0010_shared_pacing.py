"""paces: the platforms' per-conversation pacing, shared by every instance; outbox.conversation:
the order a push keeps, across instances

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paces",
        sa.Column("key", sa.String(length=300), primary_key=True),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("conversation", sa.String(length=300), nullable=True))
    op.create_index("ix_outbox_conversation", "outbox", ["conversation", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_conversation", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("conversation")
    op.drop_table("paces")
