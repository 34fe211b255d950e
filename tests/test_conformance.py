"""One conformance suite over every registered platform: each HTTP route is an HttpEdge (verify
opens the request once, classify reads what it opened); its edge refuses what is not signed,
answers within the platform's deadline however slow the work after it is, stores before it
answers, stores a delivery sent four times once; its sender maps the platform's failures to
retry-later or undeliverable. A platform joins by being registered and having a kit here."""

from __future__ import annotations

import importlib
import importlib.util
import io
import sqlite3
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.edge import HttpEdge
from adapters.platform import Services
from adapters.registry import REGISTRY, entry
from bot.delivery import Delivery, RetryLater, TargetKind, Undeliverable
from bot.i18n import Words
from bot.outcome import Attachment, Chart, ChartSeries, Message
from tests.test_serve import serving, wait_for

# platforms whose only edge is the terminal: no HTTP edge, a sender that cannot fail
EDGELESS = {"console"}
EDGED = [e.name for e in REGISTRY if e.name not in EDGELESS]


def kit(name: str) -> Any:
    return importlib.import_module(f"tests.kits.{name}")


def test_every_registered_platform_has_a_kit() -> None:
    for name in EDGED:
        assert importlib.util.find_spec(f"tests.kits.{name}"), f"tests/kits/{name}.py is missing"


@pytest.mark.parametrize("name", EDGED)
def test_every_http_route_runs_the_edge_steps(name: str) -> None:
    with kit(name).fake() as api:
        section = entry(name).section()
        assert section is not None
        config = section.model_validate(tomllib.loads(kit(name).config(api))[name])
        services = Services(ingress=None, words=Words(), locale="en")
        platform = entry(name).platform_class()(config=config, services=services)
        try:
            routes = platform.routes()
            assert routes
            for route in routes:
                assert isinstance(getattr(route.endpoint, "__self__", None), HttpEdge), route
        finally:
            platform.stop()


class Rig:
    def __init__(self, name: str, api: Any, port: int, db: Path) -> None:
        self.kit, self.api, self.port, self.db = kit(name), api, port, db
        self.url = f"http://127.0.0.1:{port}{self.kit.PATH}"

    def post(self, body: bytes, headers: dict[str, str], query: str = "") -> tuple[int, float]:
        """A delivery: body and headers, and the query string where a platform signs there."""
        url = f"{self.url}?{query}" if query else self.url
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                r.read()
                return r.status, time.monotonic() - started
        except urllib.error.HTTPError as e:
            return e.code, time.monotonic() - started

    def inbox(self) -> int:
        with sqlite3.connect(self.db) as conn:
            return conn.execute("select count(*) from inbox").fetchone()[0]

    def activities(self, like: str) -> int:
        with sqlite3.connect(self.db) as conn:
            sql = "select count(*) from activities where text like ?"
            return conn.execute(sql, (f"%{like}%",)).fetchone()[0]


@pytest.fixture(scope="module", params=EDGED)
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    name = request.param
    with kit(name).fake() as api:
        kit(name).slow_profiles(api, 4.0)  # the work after the ack is slower than any deadline
        with serving(tmp_path_factory.mktemp(name), kit(name).config(api)) as (port, db, _):
            yield Rig(name, api, port, db)


def test_forged_stale_and_unsigned_deliveries_are_refused(rig: Rig) -> None:
    before = rig.inbox()
    for forged in rig.kit.forged(rig.api, "Acme call forged"):
        status, _ = rig.post(*forged)
        assert 400 <= status < 500, status
    assert rig.inbox() == before


def test_answers_within_the_deadline_and_stores_before_answering(rig: Rig) -> None:
    from adapters.registry import entry

    deadline = entry(rig.kit.__name__.rsplit(".", 1)[-1]).platform_class().deadline
    before = rig.inbox()
    status, took = rig.post(*rig.kit.command(rig.api, "Acme call within the deadline"))
    assert status == 200 and took < deadline, took
    assert rig.inbox() == before + 1  # stored when the answer came, not later
    assert wait_for(lambda: rig.activities("within the deadline") == 1, 30)


def test_a_delivery_sent_four_times_is_stored_and_handled_once(rig: Rig) -> None:
    before = rig.inbox()
    for _ in range(4):
        status, _ = rig.post(*rig.kit.command(rig.api, "Acme call only once", key="four"))
        assert status == 200
    assert rig.inbox() == before + 1
    assert wait_for(lambda: rig.activities("only once") == 1, 30)
    time.sleep(0.5)
    assert rig.activities("only once") == 1


@pytest.mark.parametrize("name", EDGED)
@pytest.mark.parametrize(
    ("how", "raises"),
    [("rate", RetryLater), ("transient", RetryLater), ("permanent", Undeliverable)],
)
def test_sender_maps_failures(name: str, how: str, raises: type[Exception]) -> None:
    k = kit(name)
    with k.fake() as api:
        target = k.fail_next(api, how)
        delivery = Delivery(
            id=1,
            tenant_id=1,
            dedup_key="conformance:1",
            platform=name,
            kind=TargetKind.PERSON,
            target_id=target,
            target_name="someone",
            message=Message(text="hello"),
        )
        with pytest.raises(raises):
            k.sender(api).send(delivery)


@pytest.mark.parametrize("name", EDGED)
def test_sender_delivers_and_names_people_natively(name: str) -> None:
    k = kit(name)
    with k.fake() as api:
        text = "hello \x02U1\x1fAlice\x03"  # a person, as the core hands it to a sender
        delivery = Delivery(
            id=1,
            tenant_id=1,
            dedup_key=f"conformance:{datetime.now(UTC)}",
            platform=name,
            kind=TargetKind.PERSON,
            target_id="U1",
            target_name="alice",
            message=Message(text=text),
        )
        assert k.sender(api).send(delivery)
        shown = " ".join(k.answered(api))
        assert "\x02" not in shown and "Alice" not in shown  # the platform's mention, not a name


FILE = Attachment(name="export.xlsx", title="Export", file_id=1)
CHART = Attachment(
    name="funnel",
    title="Funnel",
    chart=Chart(
        kind="funnel",
        title="Funnel",
        labels=("lead", "won"),
        series=(ChartSeries(name="Deals", values=(3, 1)),),
    ),
)


def _attachment(name: str, attachment: Attachment) -> Delivery:
    """A push to a person carrying only an attachment, its file's bytes loaded as the outbox
    worker loads them."""
    return Delivery(
        id=7,
        tenant_id=1,
        dedup_key=f"conformance:{attachment.name}",
        platform=name,
        kind=TargetKind.PERSON,
        target_id="someone",
        target_name="someone",
        message=Message(attachment=attachment),
        data=b"PK\x03\x04 a spreadsheet" if attachment.file_id else None,
    )


@pytest.mark.parametrize("attachment", [FILE, CHART], ids=["file", "chart"])
@pytest.mark.parametrize("name", EDGED)
def test_sender_sends_an_attachment(name: str, attachment: Attachment) -> None:
    k = kit(name)
    with k.fake() as api:
        assert k.sender(api).send(_attachment(name, attachment))


@pytest.mark.parametrize("attachment", [FILE, CHART], ids=["file", "chart"])
@pytest.mark.parametrize("name", sorted(EDGELESS))
def test_an_edgeless_sender_sends_an_attachment(
    name: str, attachment: Attachment, tmp_path: Path
) -> None:
    out = io.StringIO()
    services = Services(ingress=None, words=Words(), locale="en", out=out, files_dir=tmp_path)
    platform = entry(name).platform_class()(config=None, services=services)
    assert platform.sender().send(_attachment(name, attachment))
    assert out.getvalue() and list(tmp_path.iterdir())
