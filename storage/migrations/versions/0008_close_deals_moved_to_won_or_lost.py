"""close deals moved to won or lost

Before `stage won` and `阶段 赢单` closed a deal the way `won` does, a deal moved there stayed
open with stage won (or lost): out of the open pipeline, but never counted in /progress or
targets. Such deals are closed now, as of the moment they entered that stage.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

deals = sa.table(
    "deals",
    sa.column("stage", sa.String),
    sa.column("status", sa.String),
    sa.column("stage_entered_at", sa.DateTime(timezone=True)),
    sa.column("closed_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    for outcome in ("won", "lost"):
        op.get_bind().execute(
            deals.update()
            .where(deals.c.status == "open", deals.c.stage == outcome)
            .values(status=outcome, closed_at=deals.c.stage_entered_at)
        )


def downgrade() -> None:
    pass  # a closed deal stays closed
