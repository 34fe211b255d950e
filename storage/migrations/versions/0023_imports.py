"""customers imported from a spreadsheet (issue 21): reserved; the import's columns follow

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 13:45:00
"""

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
