"""The sales records: tenants, people, customers, deals, touches, tasks, meetings, questions,
requirements, targets and the audit log. Every row belongs to a tenant; times are stored in UTC
and read back timezone-aware (storage/base.py). Messages in transit: storage/transit.py."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from storage import append_only
from storage.base import Base, tenant_fk


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime]


class Workspace(Base):
    """A platform's workspace (Slack team, Feishu tenant_key, WeCom corp) mapped to a tenant."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    name: Mapped[str] = mapped_column(String(100))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", use_alter=True))


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="rep")  # rep | manager | admin
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    timezone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime]
    # the local date (their zone) of the last morning their daily digest was settled: sent,
    # or found with nothing to report, so it does not fire later that day
    digest_checked_on: Mapped[date | None] = mapped_column(Date)
    # the working day this person's week of quiet customers was settled (bot/jobs/quiet.py):
    # listed, or found with nothing to list; migration 0027
    quiet_checked_on: Mapped[date | None] = mapped_column(Date)


class Identity(Base):
    """One person may be reached on several platforms."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("tenant_id", "platform", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    handle: Mapped[str | None] = mapped_column(String(200))


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name_key"),
        # the id too: a team's customers are only ids to join on, an index-only scan
        Index("ix_customers_owner", "tenant_id", "owner_id", "id"),
        # the id another system knows it by (a CRM's account id, `dealbot import`): a
        # re-import matches on it first; unique where set (NULLs never collide)
        Index("ix_customers_external_id", "tenant_id", "external_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # casefolded, for matching
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    tags: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    external_id: Mapped[str | None] = mapped_column(String(100))  # migration 0023
    # off the quiet-customer list until then ("Snooze 30 days", bot/quiet.py); migration 0027
    quiet_snoozed_until: Mapped[datetime | None]


class CustomerAlias(Base):
    __tablename__ = "customer_aliases"
    __table_args__ = (UniqueConstraint("tenant_id", "alias_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(200))
    alias_key: Mapped[str] = mapped_column(String(200))


class CustomerChannel(Base):
    """A chat channel shared with (or dedicated to) a customer."""

    __tablename__ = "customer_channels"
    __table_args__ = (UniqueConstraint("tenant_id", "platform", "channel_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[str] = mapped_column(String(100))


class Collaborator(Base):
    """A colleague who reads and writes a customer as its owner does, without owning it."""

    __tablename__ = "customer_collaborators"
    __table_args__ = (UniqueConstraint("customer_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))


class Deal(Base):
    __tablename__ = "deals"
    __table_args__ = (
        # the stale-deal scan: open deals of a tenant ordered by last touch
        Index("ix_deals_open_touch", "tenant_id", "status", "last_touch_at"),
        # a customer's most recently touched open deal is this index's last entry
        Index("ix_deals_customer_touch", "customer_id", "status", "last_touch_at", "id"),
        Index("ix_deals_owner", "tenant_id", "owner_id", "status"),
        # the digest's scan of deals sitting in a stage with a required checklist item open
        # (bot/checklist_digest.py): a tenant's open deals by stage and since when
        Index("ix_deals_stage_entered", "tenant_id", "status", "stage", "stage_entered_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3))
    stage: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    expected_close: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | won | lost
    lost_reason: Mapped[str | None] = mapped_column(Text)
    # what was written with the amount about tax (含税, 不含税, excl. VAT), verbatim
    tax_note: Mapped[str | None] = mapped_column(String(40))
    # the discount last approved for this deal (/approval, migration 0018), in percent
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    # the rep commits to winning it (/deal D5 commit): the forecast's "committed" (0026)
    committed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    committed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL", name="fk_deals_committed_by")
    )
    committed_at: Mapped[datetime | None]
    stage_entered_at: Mapped[datetime]
    last_touch_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # a won deal's contract renewal day (/deal D5 renewal …), in the owner's calendar; 0027
    renewal_on: Mapped[date | None] = mapped_column(Date)


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_customer", "customer_id", "occurred_at"),
        # the type too: the digest counts calls and visits from the index alone
        Index("ix_activities_author", "tenant_id", "author_id", "occurred_at", "type"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    type: Mapped[str] = mapped_column(String(10))  # call visit meeting email chat note
    text: Mapped[str] = mapped_column(Text)  # the author's words, verbatim
    tags: Mapped[list[str]] = mapped_column(default=list)
    occurred_at: Mapped[datetime]
    source_message_id: Mapped[str | None] = mapped_column(String(200))


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        # the follow-up scan: open tasks by due time
        Index("ix_tasks_open_due", "status", "due_at"),
        Index("ix_tasks_owner", "tenant_id", "owner_id", "status"),
        # a customer's open tasks (/customer), and the digest's from the customers in reach
        Index("ix_tasks_customer", "customer_id", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None]
    # True: the deadline is a whole day (due_at is that day's start in the owner's zone),
    # reminded at its working start and overdue only once its working hours are over;
    # False: the person typed a time, and that moment is kept
    due_all_day: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done
    snoozed_until: Mapped[datetime | None]
    last_reminded_at: Mapped[datetime | None]
    source_activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL")
    )
    source_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL")
    )
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_ends", "tenant_id", "ends_at"),
        Index("ix_meetings_ends_all", "ends_at"),  # the scheduler's scan spans tenants
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    attendee_ids: Mapped[list[str]] = mapped_column(default=list)  # person ids, as strings
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    minutes_activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL")
    )
    prompted_at: Mapped[datetime | None]  # minutes prompt sent to the organiser
    escalated_at: Mapped[datetime | None]  # the manager told that minutes are missing
    channel_platform: Mapped[str | None] = mapped_column(String(20))
    channel_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_open", "tenant_id", "status", "asked_at"),
        Index("ix_questions_status_asked", "status", "asked_at"),
        Index("ix_questions_customer", "customer_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)  # the customer's words, verbatim
    asked_by: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | answered
    asked_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    answer: Mapped[str | None] = mapped_column(Text)  # the answer given, verbatim
    alerted_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    channel_platform: Mapped[str | None] = mapped_column(String(20))
    channel_id: Mapped[str | None] = mapped_column(String(100))
    thread_id: Mapped[str | None] = mapped_column(String(100))


class Requirement(Base):
    __tablename__ = "requirements"
    __table_args__ = (
        Index("ix_requirements_status", "tenant_id", "status"),
        Index("ix_requirements_status_all", "status"),
        Index("ix_requirements_customer", "customer_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|confirmed|change
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    confirmer_ids: Mapped[list[str]] = mapped_column(default=list)  # person ids, as strings
    created_at: Mapped[datetime]


class RequirementVersion(Base):
    __tablename__ = "requirement_versions"
    __table_args__ = (UniqueConstraint("requirement_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("requirements.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # the customer's words, verbatim
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Confirmation(Base):
    __tablename__ = "confirmations"
    __table_args__ = (UniqueConstraint("requirement_id", "version", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("requirements.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(10))  # confirm | change
    decided_at: Mapped[datetime]


class Target(Base):
    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("tenant_id", "person_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))  # 2026-12, 2026-W49 or 2027-Q1
    calls: Mapped[int | None] = mapped_column(Integer)
    visits: Mapped[int | None] = mapped_column(Integer)
    won_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    # money collected (回款) in the period, the target of /target … collected= (migration 0021)
    collected: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    # meetings held and deals opened in the period (migration 0025)
    meetings: Mapped[int | None] = mapped_column(Integer)
    new_deals: Mapped[int | None] = mapped_column(Integer)


class TeamGoal(Base):
    """A team's goal for a period (`/target team east 2027-01 won=2M`): the team's own total,
    kept apart from the members' targets it was split into, so a rep's target changed later
    never changes what the team was asked for. `split`: even | last_quarter | stated."""

    __tablename__ = "team_goals"
    __table_args__ = (UniqueConstraint("tenant_id", "team_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))  # 2027-01, 2027-W02 or 2027-Q1
    calls: Mapped[int | None] = mapped_column(Integer)
    visits: Mapped[int | None] = mapped_column(Integer)
    meetings: Mapped[int | None] = mapped_column(Integer)
    new_deals: Mapped[int | None] = mapped_column(Integer)
    won_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    collected: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    split: Mapped[str] = mapped_column(String(20))


class AuditEntry(Base):
    """Who changed what, when: append-only (storage/append_only.py refuses ORM updates and
    deletes). `detail` holds {"before": …, "after": …} and any extra facts; people by id."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_tenant_at", "tenant_id", "at"),
        # a customer's history: its own entries and its deals', newest first
        Index("ix_audit_customer_at", "tenant_id", "customer_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(100))
    # no foreign key: the record of what happened outlives the customer row
    customer_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]


append_only.protect(AuditEntry)
