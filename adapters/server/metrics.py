"""Prometheus metrics of one `dealbot serve` process."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class _OutboxDepth(Collector):
    def __init__(self, depth: Callable[[], dict[str, int]]) -> None:
        self.depth = depth

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "dealbot_outbox_depth", "Outbox rows by status", labels=["status"]
        )
        for status, n in self.depth().items():
            family.add_metric([status], n)
        yield family


class Metrics:
    def __init__(self, depth: Callable[[], dict[str, int]]) -> None:
        self.registry = CollectorRegistry()
        self.inbound = Counter(
            "dealbot_inbound_events",
            "Inbound events by platform and outcome",
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
        self.registry.register(_OutboxDepth(depth))

    def job(self, name: str, seconds: float, _count: int) -> None:
        self.job_runs.labels(name).inc()
        self.job_seconds.labels(name).observe(seconds)

    def send(self, platform: str, result: str) -> None:
        self.sends.labels(platform, result).inc()
