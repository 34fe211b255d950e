"""delivery milestones (交付节点) (issue 20)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:00:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
