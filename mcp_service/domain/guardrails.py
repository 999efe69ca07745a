"""Quotas, the audit log and the PII vault: domain objects, pure rules and repository ports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from mcp_service.domain.errors import RateLimited
from mcp_service.domain.model import JSON
from mcp_service.domain.pii import VaultEntry

TENANT_SUBJECT = "tenant"  # a tenant's own quota; a key's quota has the key id as subject
MINUTE_S = 60
DAY_S = 86_400
REQUESTS_PER_MINUTE = "requests_per_minute"
TOKENS_PER_DAY = "tokens_per_day"


@dataclass(frozen=True)
class Quota:
    """Limits of a tenant (subject `tenant`) or of one of its keys (subject = key id).
    None means unlimited."""

    tenant_id: str
    subject: str
    tokens_per_day: int | None = None
    requests_per_minute: int | None = None
    updated_at: datetime | None = None

    @property
    def scope(self) -> str:
        return "tenant" if self.subject == TENANT_SUBJECT else "key"


class QuotaExceeded(RateLimited):
    """A quota is used up: 429 with Retry-After, naming the quota and its scope."""

    def __init__(self, quota: str, scope: str, limit: int, retry_after_s: int) -> None:
        what = "requests per minute" if quota == REQUESTS_PER_MINUTE else "tokens per day"
        super().__init__(
            f"the {scope}'s quota of {limit} {what} ({quota}) is used up; "
            f"retry in {retry_after_s}s",
            retry_after_s=retry_after_s,
        )
        self.quota = quota
        self.scope = scope
        self.limit = limit


def minute_window(now: datetime) -> tuple[int, float]:
    """The current one-minute window number and how far into it `now` is (0..1)."""
    seconds = now.timestamp()
    return int(seconds // MINUTE_S), (seconds % MINUTE_S) / MINUTE_S


def day_window(now: datetime) -> int:
    """The UTC day number of `now`."""
    return int(now.timestamp() // DAY_S)


def seconds_to_next_day(now: datetime) -> int:
    start = datetime(now.year, now.month, now.day, tzinfo=UTC)
    return max(1, math.ceil((start + timedelta(days=1) - now).total_seconds()))


def sliding_estimate(previous: int, current: int, elapsed: float) -> float:
    """Requests in the last minute, estimated from two fixed windows (the previous one
    weighted by how much of it still lies within the last 60 s)."""
    return previous * (1.0 - elapsed) + current


def rpm_retry_after(previous: int, current: int, elapsed: float, limit: int) -> int:
    """Seconds until the sliding estimate falls below `limit` again (1..60)."""
    if current >= limit:
        return max(1, math.ceil((1.0 - elapsed) * MINUTE_S))
    if previous <= 0:
        return 1
    # previous * (1 - (elapsed + t)) + current < limit
    #   ⇔  t > 1 - elapsed - (limit - current) / previous
    wait = 1.0 - elapsed - (limit - current) / previous
    return max(1, min(MINUTE_S, math.ceil(wait * MINUTE_S)))


@dataclass(frozen=True)
class AuditEvent:
    """One admin action: who (actor tenant and key), what (action, target, details),
    when, and with which outcome (`ok`, or `denied` for a refused attempt)."""

    tenant_id: str
    action: str
    target: str | None
    at: datetime
    actor_tenant_id: str | None
    actor_key_id: str | None
    outcome: str = "ok"
    status: int = 200
    request_id: str | None = None
    details: JSON = field(default_factory=dict)
    id: int | None = None


class QuotaRepository(Protocol):
    async def get(self, tenant_id: str, subjects: Sequence[str]) -> list[Quota]: ...

    async def put(self, quota: Quota) -> bool:
        """Insert or replace; True when it was created."""
        ...

    async def delete(self, tenant_id: str, subject: str) -> bool: ...

    async def list_all(self, tenant_id: str) -> list[Quota]: ...

    async def hit(self, tenant_id: str, subject: str, metric: str, window: int, amount: int) -> int:
        """Add `amount` to a counter (created at 0) atomically; return its new value."""
        ...

    async def used(self, tenant_id: str, subject: str, metric: str, window: int) -> int: ...

    async def forget_windows(
        self, tenant_id: str, subject: str, metric: str, before: int
    ) -> None: ...


class AuditRepository(Protocol):
    async def add(self, event: AuditEvent) -> None: ...

    async def page(
        self, tenant_id: str, *, action: str | None, before_id: int | None, limit: int
    ) -> list[AuditEvent]:
        """Newest first."""
        ...


class PiiVaultRepository(Protocol):
    """A session's placeholder values. Rows belong to the session: deleting the session
    (DELETE, user erasure, retention) deletes them."""

    async def load(self, tenant_id: str, session_id: str) -> list[VaultEntry]: ...

    async def lock_session(self, tenant_id: str, session_id: str) -> bool:
        """Hold the session's row lock (serialises numbering); False if it does not exist."""
        ...

    async def add(self, tenant_id: str, session_id: str, entries: Sequence[VaultEntry]) -> None: ...

    async def prune(self, tenant_id: str, session_id: str) -> int:
        """Delete entries that no remaining turn or summary of the session mentions (by
        value or placeholder), after retention deleted some of its turns."""
        ...
