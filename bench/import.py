"""How long `dealbot import` takes, and how much memory, for a file of N rows (20,000 by
default, the most one file may hold): each row a customer with an owner, an open deal and a
contact. Times each step (read, plan, write and commit, the same file planned again) on a
fresh SQLite store; then the same again under tracemalloc for the peak of Python's memory.

    .venv/bin/python bench/import.py [--rows 20000] [--format csv|xlsx]
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.pipeline import Pipeline
from bot.sheets.importing import apply, plan
from bot.sheets.read import Limits, read_table
from storage import db
from storage.models import Identity, Person, Tenant

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
OWNERS = ("小李", "alice", "王经理")
STAGES = ("首次联系", "需求确认", "方案递交", "报价跟进", "签约前沟通")
HEADER = [
    "客户编号",
    "客户名称",
    "负责人",
    "商机名称",
    "阶段",
    "金额",
    "预计成交日期",
    "联系人",
    "电话",
]


def rows(n: int) -> list[list[str]]:
    return [
        [
            f"C{i:05d}",
            f"客户{i:05d}有限公司",
            OWNERS[i % 3],
            f"项目{i % 7}",
            STAGES[i % 5],
            f"{10 + i % 90}万",
            f"2027-{1 + i % 12:02d}-{1 + i % 28:02d}",
            f"联系人{i}",
            f"1380013{i:04d}",
        ]
        for i in range(n)
    ]


def csv_file(n: int) -> bytes:
    lines = [",".join(HEADER)] + [",".join(r) for r in rows(n)]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")  # what Excel in China saves


def xlsx_file(n: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("商机")
    sheet.append(HEADER)
    for r in rows(n):
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def store(folder: str) -> Any:
    sessions = db.open_store(f"sqlite:///{folder}/bench.db")
    with sessions.begin() as s:
        tenant = Tenant(
            name="console:local",
            locale="zh_CN",
            timezone="Asia/Shanghai",
            currency="CNY",
            created_at=NOW,
        )
        s.add(tenant)
        s.flush()
        for name in OWNERS:
            person = Person(tenant_id=tenant.id, display_name=name, created_at=NOW)
            s.add(person)
            s.flush()
            s.add(
                Identity(
                    tenant_id=tenant.id,
                    person_id=person.id,
                    platform="console",
                    external_id=name,
                    handle=name,
                )
            )
    return sessions


def once(data: bytes, name: str, timed: Callable[[str, Callable[[], Any]], Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        sessions = store(folder)
        table = timed("read", lambda: read_table(data, name, limits=Limits(max_bytes=50 << 20)))
        with sessions() as s:
            tenant = s.query(Tenant).one().id
            made = timed(
                "plan",
                lambda: plan(s, tenant_id=tenant, table=table, pipeline=Pipeline(), now=NOW),
            )
            assert not made.problems, made.problems[:3]

            def write() -> None:
                apply(s, tenant_id=tenant, plan=made, actor_id=None, now=NOW)
                s.commit()

            timed("write + commit", write)
        with sessions() as s:
            again = timed(
                "plan again (unchanged)",
                lambda: plan(s, tenant_id=tenant, table=table, pipeline=Pipeline(), now=NOW),
            )
            assert again.tallies["customers"].unchanged == len(table.sheets[0].rows) - 1
        sessions.kw["bind"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = parser.parse_args()
    data = csv_file(args.rows) if args.format == "csv" else xlsx_file(args.rows)
    name = f"bench.{args.format}"
    print(f"{args.rows} rows, {args.format}, {len(data) / 1e6:.1f} MB")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    total = 0.0

    def timed(step: str, work: Callable[[], Any]) -> Any:
        nonlocal total
        started = time.perf_counter()
        result = work()
        took = time.perf_counter() - started
        total += took if step != "plan again (unchanged)" else 0
        print(f"  {step:<24} {took:6.2f} s")
        return result

    once(data, name, timed)
    print(f"  {'import in all':<24} {total:6.2f} s  (read + plan + write)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  peak RSS of the process {rss / 1024:6.0f} MB (was {rss_before / 1024:.0f} MB)")
    tracemalloc.start()
    once(data, name, lambda step, work: work())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak Python memory      {peak / 1e6:6.0f} MB (tracemalloc, a second run)")


if __name__ == "__main__":
    main()
