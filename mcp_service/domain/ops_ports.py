"""Ports for operations: API keys, retention policies and receipts, purges, leases, usage.

Split from `ports.py` to keep modules small; `UnitOfWork` there exposes them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from mcp_service.domain.access import ApiKey, UsageEvent, UsageGroup
from mcp_service.domain.model import JSON, Session
from mcp_service.domain.retention import Receipt, RetentionPolicy


class ApiKeyRepository(Protocol):
    """Keys are found by hash (to authenticate) or by id; only hashes are stored."""

    async def add(self, key: ApiKey) -> None: ...

    async def by_hash(self, key_hash: str) -> ApiKey | None: ...

    async def find(self, key_id: str) -> ApiKey | None: ...

    async def page(self, tenant_id: str, *, after: str | None, limit: int) -> list[ApiKey]: ...

    async def revoke(self, tenant_id: str, key_id: str, when: datetime) -> bool: ...


class RetentionRepository(Protocol):
    """Retention policies and the receipts of deletion runs."""

    async def put(self, policy: RetentionPolicy) -> bool:
        """Insert or replace; return whether it was created."""
        ...

    async def get(self, tenant_id: str, name: str) -> RetentionPolicy | None: ...

    async def list_all(self, tenant_id: str) -> list[RetentionPolicy]: ...

    async def delete(self, tenant_id: str, name: str) -> bool: ...

    async def tenants_with_enabled(self) -> list[str]: ...

    async def add_receipt(self, receipt: Receipt) -> None: ...

    async def receipts(
        self, tenant_id: str, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[Receipt]:
        """Newest first; `before` is the (started_at, id) of the last one already seen."""
        ...


class PurgeRepository(Protocol):
    """The queries behind retention and erasure. Sessions under legal hold never match."""

    async def candidate_sessions(
        self,
        tenant_id: str,
        *,
        metadata: JSON | None,
        idle_before: datetime | None,
        turns_before: datetime | None,
        max_turns: int | None,
        after: str | None,
        limit: int,
    ) -> list[Session]: ...

    async def turn_seqs_before(
        self, tenant_id: str, session_id: str, before: datetime
    ) -> list[int]: ...

    async def turn_seqs_beyond(self, tenant_id: str, session_id: str, keep: int) -> list[int]:
        """All but the newest `keep` turns."""
        ...

    async def lock_session(self, tenant_id: str, session_id: str) -> Session | None:
        """Re-read a session for deletion, holding its row lock where the database can."""
        ...

    async def delete_turns(self, tenant_id: str, session_id: str, seqs: Sequence[int]) -> int: ...

    async def count_summaries(self, tenant_id: str, session_id: str, from_seq: int | None) -> int:
        """Summary versions that cover turn `from_seq` (through_seq >= it); all if None."""
        ...

    async def delete_summaries(
        self, tenant_id: str, session_id: str, from_seq: int | None
    ) -> int: ...

    async def reset_embedded(self, tenant_id: str, session_id: str) -> list[int]:
        """Mark a session's turns as not embedded (their vectors were removed); return seqs."""
        ...

    async def old_documents(
        self,
        tenant_id: str,
        *,
        before: datetime,
        metadata: JSON | None,
        after: str | None,
        limit: int,
    ) -> list[tuple[str, int]]:
        """(document id, chunk count) of documents created before `before`, by id."""
        ...

    async def delete_documents(
        self, tenant_id: str, document_ids: Sequence[str], before: datetime
    ) -> tuple[int, int]:
        """Delete the documents (still older than `before`) and their chunks: (docs, chunks)."""
        ...


class LeaseRepository(Protocol):
    """Named leases so that one holder at a time (across replicas) runs a task."""

    async def acquire(self, name: str, holder: str, now: datetime, ttl_s: float) -> bool: ...

    async def renew(self, name: str, holder: str, now: datetime, ttl_s: float) -> bool: ...

    async def release(self, name: str, holder: str) -> None: ...


class UsageRepository(Protocol):
    async def add(self, event: UsageEvent) -> None: ...

    async def totals(
        self,
        tenant_id: str,
        *,
        group_by: str,
        start: datetime | None,
        end: datetime | None,
        after: str | None,
        limit: int,
        largest_first: bool = False,
    ) -> list[UsageGroup]:
        """Sums per group, by key after `after`; or the `limit` groups with most tokens."""
        ...

    async def by_model(
        self,
        tenant_id: str,
        *,
        group_by: str,
        keys: Sequence[str | None],
        start: datetime | None,
        end: datetime | None,
    ) -> list[tuple[str | None, str | None, int, int]]:
        """(group key, model, prompt tokens, completion tokens) for these groups."""
        ...

    async def forget_user(self, tenant_id: str, user_id: str, session_ids: Sequence[str]) -> int:
        """Detach the user's (and these sessions') usage events from both; return how many."""
        ...
