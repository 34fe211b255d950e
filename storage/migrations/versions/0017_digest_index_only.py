"""indexes the morning digest reads without visiting the table

- customers (tenant_id, owner_id, id) replaces (tenant_id, owner_id): a team's customers are
  only ids to join its deals, tasks and questions on; with the id in the index they come from
  an index-only scan (at 1M deals the planner preferred a parallel scan of every customer to
  fetching a thousand of them from the table, ~25 ms for each of 200 digests);
- activities (tenant_id, author_id, occurred_at, type) replaces (tenant_id, author_id,
  occurred_at): the digest counts a team's touches, calls and visits of the month from the
  index alone, not ~1,700 rows fetched from all over the table per team.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 12:00:00
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_owner")
        batch_op.create_index("ix_customers_owner", ["tenant_id", "owner_id", "id"])
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_author")
        batch_op.create_index(
            "ix_activities_author", ["tenant_id", "author_id", "occurred_at", "type"]
        )


def downgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_author")
        batch_op.create_index("ix_activities_author", ["tenant_id", "author_id", "occurred_at"])
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_owner")
        batch_op.create_index("ix_customers_owner", ["tenant_id", "owner_id"])
