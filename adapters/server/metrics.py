"""Prometheus metrics of one `dealbot serve` process.

Queue depths come from a snapshot that /metrics takes in a worker thread with a short timeout,
so that scraping never blocks the event loop and still answers while the database is down
(`dealbot_database_up 0`, the depths left out).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram
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


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
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
            "dealbot_job_runs", "Scheduled job runs", ["job"], registry=self.registry
        )
        self.job_seconds = Histogram(
            "dealbot_job_duration_seconds",
            "Scheduled job duration",
            ["job"],
            registry=self.registry,
        )
        self.registry.register(_Depths(self))

    def count(self, platform: str, outcome: str) -> None:
        self.inbound.labels(platform, outcome).inc()

    def job(self, name: str, seconds: float, _count: int) -> None:
        self.job_runs.labels(name).inc()
        self.job_seconds.labels(name).observe(seconds)

    def send(self, platform: str, result: str) -> None:
        self.sends.labels(platform, result).inc()
