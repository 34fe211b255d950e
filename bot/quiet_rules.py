"""The quiet-customer rule ([quiet] in the config): how long without a touch makes a customer
quiet, and how near a won deal's renewal day must be to list its customer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class QuietRules:
    days: int = 90  # no touch for longer than this: quiet
    renewal_within_days: int = 30  # a renewal day this near (or nearer): listed
