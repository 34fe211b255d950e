"""forecast (issue 22): reserved; its columns follow

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 14:20:00
"""

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
