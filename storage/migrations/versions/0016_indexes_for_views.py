"""indexes the views need so that they do not grow with the table

- deals (customer_id, status, last_touch_at, id) replaces (customer_id, status): the deal a
  command touches (a customer's most recently touched open one) is the index's last entry,
  and the digest finds a team's stale deals through its customers;
- tasks, questions and requirements by customer: /customer and the digest reach them from the
  customers within reach, instead of scanning every open one of the tenant.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 08:20:00
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_customer")
        batch_op.create_index(
            "ix_deals_customer_touch", ["customer_id", "status", "last_touch_at", "id"]
        )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_customer", ["customer_id", "status", "due_at"])
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index("ix_questions_customer", ["customer_id", "status"])
    with op.batch_alter_table("requirements", schema=None) as batch_op:
        batch_op.create_index("ix_requirements_customer", ["customer_id", "status"])


def downgrade() -> None:
    with op.batch_alter_table("requirements", schema=None) as batch_op:
        batch_op.drop_index("ix_requirements_customer")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index("ix_questions_customer")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_customer")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_customer_touch")
        batch_op.create_index("ix_deals_customer", ["customer_id", "status"])
