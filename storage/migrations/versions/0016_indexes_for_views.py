"""indexes the views need so that they do not grow with the table

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 08:20:00
"""

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by the views work (issue 19, item 2)


def downgrade() -> None:
    pass
