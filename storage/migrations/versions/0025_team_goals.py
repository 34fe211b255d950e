"""team goals (issue 22): reserved; its columns follow

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 14:20:00
"""

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
