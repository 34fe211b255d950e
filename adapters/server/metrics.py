"""Prometheus metrics of one `dealbot serve` process.

Queue depths come from a snapshot that /metrics takes in a worker thread with a short timeout,
so that scraping never blocks the event loop and still answers while the database is down
(`dealbot_database_up 0`, the depths left out). The depths are the whole database's, the
same on every instance (take their max across instances); the counters and histograms are
this instance's own (sum them). README "Logs and metrics" lists every series.
"""

from __future__ import annotations

import platform
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


@dataclass
class Snapshot:
    database_up: bool = False
    outbox: dict[str, int] = field(default_factory=dict)
    inbox_backlog: int | None = None
    inbox_dead: int | None = None
    inbox_oldest_seconds: float | None = None


class _Depths(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snap = self.metrics.snapshot
        yield GaugeMetricFamily(
            "dealbot_database_up",
            "1 if the database answered the last scrape",
            value=1 if snap.database_up else 0,
        )
        if not snap.database_up:
            return
        outbox = GaugeMetricFamily(
            "dealbot_outbox_depth", "Outbox rows by status", labels=["status"]
        )
        for status, n in snap.outbox.items():
            outbox.add_metric([status], n)
        yield outbox
        yield GaugeMetricFamily(
            "dealbot_inbox_backlog",
            "Inbox rows waiting or being handled",
            value=snap.inbox_backlog or 0,
        )
        yield GaugeMetricFamily(
            "dealbot_inbox_dead", "Inbox rows given up", value=snap.inbox_dead or 0
        )
        yield GaugeMetricFamily(
            "dealbot_inbox_oldest_seconds",
            "Age of the oldest waiting inbox row",
            value=snap.inbox_oldest_seconds or 0,
        )


# seconds; ack: the edge's request → its answer (the platforms allow 3 s, WeCom 5 s);
# handling: an inbox row claimed → handled; answer: a command's arrival → its reply sent
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
HANDLING_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ANSWER_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)


def build() -> tuple[str, str]:
    """(the installed version, the commit) as `dealbot --version` finds them, without the
    notes after them: "unknown" when unknown."""
    from adapters.cli.version import commit, package_version

    return package_version().split(" ")[0], commit().split(" ")[0]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # the process's CPU, memory, open files, Python's version and its collector's work
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
        release, commit = build()
        Gauge(
            "dealbot_build_info",
            "The running dealbot (always 1)",
            ["version", "commit", "python"],
            registry=self.registry,
        ).labels(release, commit, platform.python_version()).set(1)
        self.snapshot = Snapshot()
        self.inbound = Counter(
            "dealbot_inbound_events",
            "Inbound deliveries by platform and outcome (saved, repeat, busy, failed, …)",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.sends = Counter(
            "dealbot_sends",
            "Outbox sends by platform and result",
            ["platform", "result"],
            registry=self.registry,
        )
        self.job_runs = Counter(
            "dealbot_job_runs",
            "Scheduled job runs by rule and result (ok, failed)",
            ["rule", "result"],
            registry=self.registry,
        )
        self.job_seconds = Histogram(
            "dealbot_job_duration_seconds",
            "Scheduled job duration by rule",
            ["rule"],
            registry=self.registry,
        )
        self.latency = {
            kind: Histogram(
                f"dealbot_{kind}_seconds",
                text,
                ["platform"],
                buckets=buckets,
                registry=self.registry,
            )
            for kind, text, buckets in (
                ("ack", "The edge's time from a delivery's request to its answer", ACK_BUCKETS),
                ("handling", "An inbox row's time from its claim to handled", HANDLING_BUCKETS),
                ("answer", "A command's time from its arrival to its reply sent", ANSWER_BUCKETS),
            )
        }
        self.registry.register(_Depths(self))

    def count(self, platform: str, outcome: str) -> None:
        self.inbound.labels(platform, outcome).inc()

    def job(self, name: str, seconds: float, _count: int, ok: bool = True) -> None:
        self.job_runs.labels(name, "ok" if ok else "failed").inc()
        self.job_seconds.labels(name).observe(seconds)

    def timing(self, kind: str, platform: str, seconds: float) -> None:
        """`kind`: ack, handling or answer."""
        self.latency[kind].labels(platform).observe(max(seconds, 0.0))

    def send(self, platform: str, result: str) -> None:
        self.sends.labels(platform, result).inc()
