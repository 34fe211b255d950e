"""`[inbox] workers = 2`: `dealbot serve` starts two worker processes, each holding its share
of the inbox's lanes, and a SIGTERM stops both cleanly, giving their lanes up."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from storage import db
from storage.transit import Lease
from tests.conftest import empty_pg_database
from tests.test_serve import free_port, start, stop, wait_healthy


def test_two_workers_hold_the_lanes_between_them_and_stop_cleanly(tmp_path: Path) -> None:
    with empty_pg_database() as url:
        port = free_port()
        config = tmp_path / "dealbot.toml"
        config.write_text(
            f'[database]\nurl = "{url}"\n[server]\nport = {port}\nworker_lease_seconds = 3\n'
            "[inbox]\nworkers = 2\n[scheduler]\ninterval_seconds = 3600\n"
        )
        log = tmp_path / "serve.log"
        sessions = db.open_store(url)
        proc = start(config, log)
        try:
            wait_healthy(port, proc, log)
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            workers = [
                c for c in children if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()
            ]
            assert len(workers) == 2, children

            def lanes() -> list[str]:
                with sessions() as s:
                    return list(
                        s.scalars(
                            select(Lease.holder).where(
                                Lease.name.startswith("lanes:"),
                                Lease.expires_at > datetime.now(UTC),
                            )
                        )
                    )

            deadline = time.monotonic() + 20
            while len(lanes()) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(set(lanes())) == 2
            assert stop(proc) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        assert lanes() == []  # given up at the stop: nobody waits out their ttl
        sessions.kw["bind"].dispose()
