"""quiet customers (issue 22): renewals and the Monday list of customers going quiet

`deals.renewal_on`: the day a won deal's contract renews (`/deal D5 renewal 2027-06-30`), so
its customer shows on the owner's Monday list as the day comes near. `customers
.quiet_snoozed_until`: "Snooze 30 days" on that list keeps the customer off it until then.
`people.quiet_checked_on`: the working day a person's week was settled (listed, or found with
nothing to list), so the scan runs once a week per person and not at every tick. The scan
itself reads customers by owner (ix_customers_owner) and each one's last touch from
ix_activities_customer: no new index.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 14:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renewal_on", sa.Date(), nullable=True))
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quiet_snoozed_until", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quiet_checked_on", sa.Date(), nullable=True))


def downgrade() -> None:
    # not a batch: SQLite would copy `people`, which the audit log's triggers name
    op.drop_column("people", "quiet_checked_on")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("quiet_snoozed_until")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_column("renewal_on")
