"""audit entries by customer

Every audit entry names the customer it belongs to (a customer's own entries and its deals'),
so `/customer … history` reads one index range. Existing rows are backfilled: subject
`customer:N` → N, `deal:N` → that deal's customer.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BATCH = 500

audit = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("subject", sa.String),
    sa.column("customer_id", sa.Integer),
)
deals = sa.table("deals", sa.column("id", sa.Integer), sa.column("customer_id", sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_audit_customer_at", ["tenant_id", "customer_id", "at"], unique=False
        )
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    customer_of: dict[int, int] = {}  # audit row id → customer id
    deal_rows: dict[int, list[int]] = {}  # deal id → audit row ids
    rows = conn.execute(
        sa.select(audit.c.id, audit.c.subject).where(
            sa.or_(audit.c.subject.like("customer:%"), audit.c.subject.like("deal:%"))
        )
    )
    for row_id, subject in rows:
        kind, _, number = subject.partition(":")
        if not number.isdigit():
            continue
        if kind == "customer":
            customer_of[row_id] = int(number)
        else:
            deal_rows.setdefault(int(number), []).append(row_id)
    ids = list(deal_rows)
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        for deal_id, customer_id in conn.execute(
            sa.select(deals.c.id, deals.c.customer_id).where(deals.c.id.in_(chunk))
        ):
            for row_id in deal_rows[deal_id]:
                customer_of[row_id] = customer_id
    pairs = [{"row_id": k, "customer": v} for k, v in customer_of.items()]
    update = (
        sa.update(audit)
        .where(audit.c.id == sa.bindparam("row_id"))
        .values(customer_id=sa.bindparam("customer"))
    )
    for start in range(0, len(pairs), _BATCH):
        conn.execute(update, pairs[start : start + _BATCH])


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_customer_at")
        batch_op.drop_column("customer_id")
