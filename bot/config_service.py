"""The config tables of running dealbot as a service: where its store is, how it listens, how
its queues retry and how long they keep what they delivered. bot/config.py assembles them with
the tables of what the bot does ([bot], [rules], [pipeline]) and the platforms' tables."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, Field, Strict, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.approval_rules import ApprovalRules, Band
from bot.config_types import PositiveFloat, PositiveInt, Section, Text, between, problem
from bot.payment_rules import PaymentRules
from bot.quiet_rules import QuietRules

DEFAULT_DATABASE_URL = "sqlite:///dealbot.db"


def _not_negative(value: float) -> float:
    if value < 0:
        raise problem("must be 0 or more (0: one attempt, no waiting)")
    return value


class DatabaseSection(Section):
    url: str = DEFAULT_DATABASE_URL
    # serve (and tick) wait this long for a network database that does not answer at start,
    # retrying with backoff, then exit non-zero; SQLite is a local file and is not waited for
    connect_retry_seconds: Annotated[float, Strict(), AfterValidator(_not_negative)] = 60.0

    @field_validator("url")
    @classmethod
    def _parses(cls, value: str) -> str:
        try:
            make_url(value)
        except (ArgumentError, ValueError):
            raise problem(
                "not a database URL; e.g. sqlite:///dealbot.db or "
                "postgresql+psycopg://user@host/dealbot"
            ) from None
        return value

    def __repr_args__(self) -> Iterator[tuple[str, Any]]:  # the URL may hold a password
        yield "url", make_url(self.url).render_as_string(hide_password=True)
        yield "connect_retry_seconds", self.connect_retry_seconds


class ServerSection(Section):
    host: Text = "127.0.0.1"
    port: Annotated[int, Strict(), between(1, 65535)] = 8080
    # a worker renews its lease every third of this; once it stops (it died), its claims
    # are taken over by the others (or by its own restart) within this many seconds
    worker_lease_seconds: Annotated[float, Strict(), between(3, 600)] = 10.0
    # a connection that has not sent a whole request head within this is closed (slowloris)
    header_timeout_seconds: PositiveFloat = 10.0
    # connections one client address may hold (None: [inbox] max_connections); past it, its
    # oldest connection still waiting for a request head makes room, else the new one gets 503
    max_connections_per_client: PositiveInt | None = None


class OutboxSection(Section):
    max_attempts: PositiveInt = 8
    base_backoff_seconds: PositiveFloat = 2.0
    max_backoff_seconds: PositiveFloat = 300.0
    claim_timeout_seconds: PositiveFloat | None = None  # deprecated: [server] worker_lease_seconds
    batch_size: PositiveInt = 50
    poll_seconds: PositiveFloat = 1.0
    concurrency: Annotated[int, Strict(), between(1, 64)] = 8  # conversations sent at once

    @model_validator(mode="after")
    def _backoff_order(self) -> OutboxSection:
        base = self.base_backoff_seconds
        if self.max_backoff_seconds < base:
            raise problem(
                f"must be at least base_backoff_seconds ({base:g})", key="max_backoff_seconds"
            )
        return self


class SchedulerSection(Section):
    interval_seconds: PositiveFloat = 30.0


class InboxSection(Section):
    max_depth: PositiveInt = 5000  # waiting deliveries past which platforms are asked to retry
    max_attempts: PositiveInt = 5
    claim_timeout_seconds: PositiveFloat | None = None  # deprecated: [server] worker_lease_seconds
    keep_days: PositiveFloat | None = None  # deprecated: [retention] delivered_days
    max_body_bytes: PositiveInt = 1_048_576
    body_timeout_seconds: PositiveFloat = 10.0
    max_connections: PositiveInt = 2000
    poll_seconds: PositiveFloat = 0.5
    # serve's worker processes draining the inbox, each from its share of the lanes
    workers: Annotated[int, Strict(), between(1, 64)] = 1


def _a_day_or_more(value: float) -> float:
    if value < 1:  # a handled delivery is what makes a platform's retry (within hours) a no-op
        raise problem("must be at least 1 (platforms retry a delivery for hours)")
    return value


class RetentionSection(Section):
    delivered_days: Annotated[float, Strict(), AfterValidator(_a_day_or_more)] = 30.0
    files_days: Annotated[float, Strict(), AfterValidator(_a_day_or_more)] = 7.0
    batch_size: Annotated[int, Strict(), between(1, 100_000)] = 1000

    def inbox_days(self, inbox: InboxSection) -> float:
        """The deprecated [inbox] keep_days still holds for the inbox unless delivered_days is
        set: a config written before [retention] keeps its meaning."""
        if inbox.keep_days is not None and "delivered_days" not in self.model_fields_set:
            return inbox.keep_days
        return self.delivered_days

    def notes(self, inbox: InboxSection) -> list[str]:
        """What `dealbot check-config` says about keys that still work but should go."""
        if inbox.keep_days is None:
            return []
        if "delivered_days" in self.model_fields_set:
            note = "deprecated and ignored ([retention] delivered_days is set); remove it"
        else:
            note = (
                f"deprecated; handled deliveries are still kept {inbox.keep_days:g} days, sent "
                f"pushes {self.delivered_days:g}; move it to [retention] delivered_days"
            )
        return [f"inbox.keep_days: {note}"]


def lease_notes(outbox: OutboxSection, inbox: InboxSection) -> list[str]:
    """The claim timeouts that leases replaced: accepted, ignored, and said so."""
    return [
        f"{section}.claim_timeout_seconds: deprecated and ignored; a claim now lasts as long as "
        "its worker's lease, taken over within [server] worker_lease_seconds once the worker "
        "stops; remove it"
        for section, value in (
            ("outbox", outbox.claim_timeout_seconds),
            ("inbox", inbox.claim_timeout_seconds),
        )
        if value is not None
    ]


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class ApprovalBandSection(Section):
    discount_over: Annotated[float, Strict(), between(0, 100)] | None = None
    amount_over: PositiveFloat | None = None
    approver: Text = "manager"  # "manager", "admin", or a person's name

    @model_validator(mode="after")
    def _a_limit(self) -> ApprovalBandSection:
        if self.discount_over is None and self.amount_over is None:
            raise problem("a band needs discount_over or amount_over (or both)")
        return self


class ApprovalsSection(Section):
    remind_after_hours: PositiveFloat = 4.0
    escalate_after_hours: PositiveFloat = 8.0
    bands: list[ApprovalBandSection] = Field(
        default_factory=lambda: [ApprovalBandSection(discount_over=20.0, approver="admin")]
    )

    @model_validator(mode="after")
    def _escalate_later(self) -> ApprovalsSection:
        remind = self.remind_after_hours
        if self.escalate_after_hours <= remind:
            raise problem(
                f"must be greater than remind_after_hours ({remind:g})",
                key="escalate_after_hours",
            )
        return self

    def runtime(self) -> ApprovalRules:
        return ApprovalRules(
            remind_after_hours=self.remind_after_hours,
            escalate_after_hours=self.escalate_after_hours,
            bands=tuple(
                Band(
                    approver=b.approver.lstrip("@"),
                    discount_over=_decimal(b.discount_over),
                    amount_over=_decimal(b.amount_over),
                )
                for b in self.bands
            ),
        )


class QuietSection(Section):
    days: Annotated[int, Strict(), between(1, 3650)] = 90
    renewal_within_days: Annotated[int, Strict(), between(0, 365)] = 30

    def runtime(self) -> QuietRules:
        return QuietRules(days=self.days, renewal_within_days=self.renewal_within_days)


class PaymentsSection(Section):
    remind_days_before: Annotated[int, Strict(), between(0, 30)] = 3

    def runtime(self) -> PaymentRules:
        return PaymentRules(remind_days_before=self.remind_days_before)
