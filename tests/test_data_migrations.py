"""Data migrations: what an upgrade does to rows already stored (0005: names lose invisible
characters, look-alikes stay apart; 0008: deals moved to won or lost are closed)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage import db


def _round(url: str) -> None:
    from alembic import command

    engine = db.make_engine(url)
    cfg = db.alembic_config(engine)
    command.upgrade(cfg, "0004")
    at = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        conn.execute(
            t["tenants"].insert(),
            [
                {
                    "id": 1,
                    "name": "t",
                    "locale": "en",
                    "timezone": "UTC",
                    "currency": "USD",
                    "created_at": at,
                }
            ],
        )
        conn.execute(
            t["people"].insert(),
            [
                {
                    "id": 1,
                    "tenant_id": 1,
                    "role": "admin",
                    "display_name": "\u202eecila",
                    "created_at": at,
                }
            ],
        )
        row = {"tenant_id": 1, "tags": [], "created_at": at}
        conn.execute(
            t["customers"].insert(),
            [
                {**row, "id": 1, "name": "Acme", "name_key": "acme"},
                {**row, "id": 2, "name": "Acme\u200b", "name_key": "acme\u200b"},  # the look-alike
                {**row, "id": 3, "name": "Ｇｌｏｂｅｘ\u2060", "name_key": "ｇｌｏｂｅｘ\u2060"},
                {**row, "id": 4, "name": "华为", "name_key": "华为"},
            ],
        )
        conn.execute(
            t["customer_aliases"].insert(),
            [
                {"id": 1, "tenant_id": 1, "customer_id": 1, "alias": "ACM", "alias_key": "acm"},
                {
                    "id": 2,
                    "tenant_id": 1,
                    "customer_id": 2,
                    "alias": "ACM\u200c",
                    "alias_key": "acm\u200c",
                },
                {
                    "id": 3,
                    "tenant_id": 1,
                    "customer_id": 4,
                    "alias": "Huawei\u200b",
                    "alias_key": "huawei\u200b",
                },
            ],
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        names = dict(
            conn.execute(sa.text("select id, name || '|' || name_key from customers")).all()
        )
        aliases = dict(conn.execute(sa.text("select id, alias_key from customer_aliases")).all())
        person = conn.execute(sa.text("select display_name from people")).scalar()
    engine.dispose()
    assert names == {
        1: "Acme|acme",
        2: "Acme (#2)|acme (#2)",  # still its own customer, its records untouched, now told apart
        3: "Ｇｌｏｂｅｘ|globex",  # shown as typed; matched by its NFKC form
        4: "华为|华为",
    }
    assert aliases == {1: "acm", 3: "huawei"}  # the look-alike alias of ACM is gone
    assert person == "ecila"


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_names_are_cleaned_and_rekeyed_without_merging(kind: str, tmp_path: Path) -> None:
    from tests.conftest import empty_pg_database

    if kind == "sqlite":
        _round(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        with empty_pg_database() as url:
            _round(url)


def _deals_round(url: str) -> None:
    from alembic import command

    engine = db.make_engine(url)
    cfg = db.alembic_config(engine)
    command.upgrade(cfg, "0007")
    at = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    moved = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        conn.execute(
            t["tenants"].insert(),
            [
                {
                    "id": 1,
                    "name": "t",
                    "locale": "zh_CN",
                    "timezone": "Asia/Shanghai",
                    "currency": "CNY",
                    "created_at": at,
                }
            ],
        )
        conn.execute(
            t["customers"].insert(),
            [
                {
                    "id": 1,
                    "tenant_id": 1,
                    "name": "华为",
                    "name_key": "华为",
                    "tags": [],
                    "created_at": at,
                }
            ],
        )
        deal = {
            "tenant_id": 1,
            "customer_id": 1,
            "title": "x",
            "currency": "CNY",
            "last_touch_at": at,
            "created_at": at,
        }
        conn.execute(
            t["deals"].insert(),
            [
                {**deal, "id": 1, "stage": "won", "status": "open", "stage_entered_at": moved},
                {**deal, "id": 2, "stage": "lost", "status": "open", "stage_entered_at": moved},
                {**deal, "id": 3, "stage": "proposal", "status": "open", "stage_entered_at": at},
                {
                    **deal,
                    "id": 4,
                    "stage": "won",
                    "status": "won",
                    "stage_entered_at": at,
                    "closed_at": at,
                },
            ],
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        rows = {
            i: (s, c)
            for i, s, c in conn.execute(
                sa.text("select id, status, closed_at from deals order by id")
            )
        }
    engine.dispose()
    assert [rows[i][0] for i in (1, 2, 3, 4)] == ["won", "lost", "open", "won"]
    closed = rows[1][1]
    closed = closed if isinstance(closed, datetime) else datetime.fromisoformat(str(closed))
    assert (closed if closed.tzinfo else closed.replace(tzinfo=UTC)) == moved  # SQLite: naive UTC
    assert rows[3][1] is None


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_deals_left_open_at_won_or_lost_are_closed(kind: str, tmp_path: Path) -> None:
    from tests.conftest import empty_pg_database

    if kind == "sqlite":
        _deals_round(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        with empty_pg_database() as url:
            _deals_round(url)
