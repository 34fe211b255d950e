"""quiet customers (issue 22): reserved; its columns follow

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 14:20:00
"""

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
