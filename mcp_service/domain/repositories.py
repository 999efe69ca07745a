"""Repository ports and the unit of work: what use cases need from the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from mcp_service.domain.guardrails import AuditRepository, PiiVaultRepository, QuotaRepository
from mcp_service.domain.model import (
    JSON,
    Chunk,
    Collection,
    Document,
    IdempotencyRecord,
    Job,
    NewTurn,
    Session,
    Summary,
    Tenant,
    Turn,
)
from mcp_service.domain.ops_ports import (
    ApiKeyRepository,
    LeaseRepository,
    PurgeRepository,
    RetentionRepository,
    UsageRepository,
)
from mcp_service.domain.queries import SessionQuery


class TenantRepository(Protocol):
    async def get(self, tenant_id: str) -> Tenant | None: ...

    async def ensure(self, tenant_id: str, name: str | None = None) -> Tenant: ...

    async def add(self, tenant: Tenant) -> None: ...

    async def update(self, tenant: Tenant) -> None: ...

    async def page(self, *, after: str | None, limit: int) -> list[Tenant]: ...


class SessionRepository(Protocol):
    async def get(self, tenant_id: str, session_id: str) -> Session | None: ...

    async def add(self, session: Session) -> bool:
        """Insert unless the id exists; return whether it was created."""
        ...

    async def update(self, session: Session) -> None: ...

    async def delete(self, tenant_id: str, session_id: str) -> None: ...

    async def page(
        self, tenant_id: str, *, limit: int, after: str | None, user_id: str | None = None
    ) -> list[Session]: ...

    async def search(self, tenant_id: str, query: SessionQuery, *, limit: int) -> list[Session]:
        """A page of sessions matching `query`, in its order, after its position."""
        ...

    async def reserve_seqs(
        self, tenant_id: str, session_id: str, count: int, activity_at: datetime
    ) -> int | None:
        """Reserve `count` consecutive sequence numbers and set the last activity time;
        return the first, or None when the session does not exist. Serialises writers."""
        ...


class TurnRepository(Protocol):
    async def add_many(
        self, tenant_id: str, session_id: str, first_seq: int, turns: Sequence[NewTurn]
    ) -> list[Turn]: ...

    async def page(
        self,
        tenant_id: str,
        session_id: str,
        *,
        limit: int,
        after_seq: int = 0,
        newest_first: bool = False,
        before_seq: int | None = None,
        include_superseded: bool = False,
    ) -> list[Turn]:
        """Oldest first after `after_seq`, or newest first before `before_seq`. Every read
        of turns but this one with `include_superseded` (and `with_report`) leaves
        superseded turns out (they are no longer part of the conversation)."""
        ...

    async def recent(
        self, tenant_id: str, session_id: str, *, limit: int, before_seq: int | None = None
    ) -> list[Turn]:
        """The newest `limit` turns (before `before_seq` if given), oldest first."""
        ...

    async def recent_costs(
        self, tenant_id: str, session_id: str, *, limit: int
    ) -> list[tuple[int, int]]:
        """(seq, token_count) of the newest `limit` turns, newest first."""
        ...

    async def get_many(self, tenant_id: str, keys: Sequence[tuple[str, int]]) -> list[Turn]: ...

    async def seq_span(
        self, tenant_id: str, session_id: str, start: datetime, end: datetime
    ) -> tuple[int, int] | None:
        """(first, last) seq of the session's turns written in [start, end), if any."""
        ...

    async def count(self, tenant_id: str, session_id: str) -> int: ...

    async def supersede(
        self, tenant_id: str, session_id: str, from_seq: int, at: datetime
    ) -> list[int]:
        """Mark the current turns from `from_seq` on superseded; return their seqs."""
        ...

    async def delete_session(self, tenant_id: str, session_id: str) -> int: ...

    async def mark_embedded(self, tenant_id: str, session_id: str, seqs: Sequence[int]) -> int:
        """Flag turns whose vectors are written; return how many still existed."""
        ...

    async def memory_stats(self, tenant_id: str, session_id: str) -> tuple[int, int]:
        """(turns, turns embedded) of a session."""
        ...

    async def memory_stats_many(
        self, tenant_id: str, session_ids: Sequence[str]
    ) -> dict[str, tuple[int, int]]:
        """(turns, turns embedded) of each of these sessions that has turns."""
        ...

    async def with_report(
        self, tenant_id: str, session_id: str, seq: int
    ) -> tuple[Turn, JSON | None] | None:
        """One turn and the context report it was built from (replies only), if it exists."""
        ...


class SummaryRepository(Protocol):
    async def current(self, tenant_id: str, session_id: str) -> Summary | None: ...

    async def points(self, tenant_id: str, session_ids: Sequence[str]) -> dict[str, Summary]:
        """The current summary of each of these sessions that has one (content omitted)."""
        ...

    async def add(self, summary: Summary) -> None: ...

    async def delete_session(self, tenant_id: str, session_id: str) -> int: ...


class CollectionRepository(Protocol):
    async def get(self, tenant_id: str, name: str) -> Collection | None: ...

    async def add(self, collection: Collection) -> None: ...

    async def list_all(self, tenant_id: str) -> list[Collection]: ...

    async def names(self, tenant_id: str) -> list[str]: ...

    async def delete(self, tenant_id: str, name: str) -> None: ...


class DocumentRepository(Protocol):
    async def get(self, tenant_id: str, document_id: str) -> Document | None: ...

    async def by_external_id(
        self, tenant_id: str, collection: str, external_id: str
    ) -> Document | None: ...

    async def by_external_ids(
        self, tenant_id: str, collection: str, external_ids: Sequence[str]
    ) -> dict[str, Document]:
        """The documents with these external ids, by external id."""
        ...

    async def add(self, document: Document, chunks: Sequence[Chunk]) -> None: ...

    async def delete(self, tenant_id: str, document_id: str) -> list[str]:
        """Delete a document and its chunks; return the deleted chunk ids."""
        ...

    async def delete_collection(self, tenant_id: str, collection: str) -> int: ...

    async def chunks(self, tenant_id: str, document_id: str) -> list[Chunk]: ...

    async def page(
        self, tenant_id: str, collection: str, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[Document]:
        """A collection's documents, last updated first, after (updated_at, id) `before`."""
        ...


class JobRepository(Protocol):
    """The durable job queue. Claims are leases: a crashed worker's job is claimed again
    once its lease expires; two workers never hold the same job at once."""

    async def enqueue(
        self, kind: str, payload: JSON, *, tenant_id: str | None, run_after: datetime | None = None
    ) -> str: ...

    async def claim(
        self, worker_id: str, now: datetime, lease_s: float, kinds: Sequence[str] | None = None
    ) -> Job | None: ...

    async def claim_more(
        self, worker_id: str, now: datetime, lease_s: float, kind: str, limit: int
    ) -> list[Job]:
        """Claim up to `limit` more queued, runnable jobs of `kind` (for batch handlers)."""
        ...

    async def complete(self, job_id: str, worker_id: str, result: JSON | None) -> bool: ...

    async def complete_many(self, worker_id: str, results: dict[str, JSON | None]) -> int: ...

    async def fail(
        self, job_id: str, worker_id: str, error: str, retry_at: datetime | None
    ) -> bool:
        """Record a failure; requeue at `retry_at`, or mark dead when it is None."""
        ...

    async def progress(self, job_id: str, progress: JSON) -> None: ...

    async def clear_finished_payloads(self) -> int:
        """Empty the payload of every done or dead job (it may hold document text)."""
        ...

    async def renew(self, job_id: str, attempts: int, until: datetime) -> bool:
        """Extend a running job's lease, fenced by its attempt number: False when the
        lease was lost (the job was claimed again), so the caller must stop."""
        ...

    async def get(self, tenant_id: str | None, job_id: str) -> Job | None: ...

    async def depth(self, now: datetime, tenant_id: str | None = None) -> JSON:
        """Counts by status and the age in seconds of the oldest runnable job (of one
        tenant, or of all when `tenant_id` is None)."""
        ...

    async def page(
        self,
        tenant_id: str,
        *,
        kind: str | None,
        before: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Job]:
        """A tenant's jobs, newest first, older than (created_at, id) `before`."""
        ...


class IdempotencyRepository(Protocol):
    """Idempotency-Key records, scoped by tenant. Only one concurrent claim can win."""

    async def claim(
        self, record: IdempotencyRecord, *, stale_before: datetime, expired_before: datetime
    ) -> bool:
        """Insert the record unless the key exists; take over a key whose first request
        never finished (claimed before `stale_before`) or that has expired. True if won."""
        ...

    async def get(self, tenant_id: str, key: str) -> IdempotencyRecord | None: ...

    async def complete(
        self, tenant_id: str, key: str, status_code: int, response: JSON
    ) -> None: ...

    async def release(self, tenant_id: str, key: str) -> None:
        """Forget an unfinished claim (the request wrote nothing)."""
        ...

    async def forget_session(
        self, tenant_id: str, session_id: str, *, finished_only: bool = False
    ) -> int:
        """Delete the records of requests that wrote to this session (only those with a
        stored answer when `finished_only`); how many."""
        ...

    async def purge_expired(self, before: datetime) -> int:
        """Delete every record claimed before `before`; how many."""
        ...


class UnitOfWork(Protocol):
    """One transaction per use case; rolls back unless `commit()` was called."""

    tenants: TenantRepository
    sessions: SessionRepository
    turns: TurnRepository
    summaries: SummaryRepository
    collections: CollectionRepository
    documents: DocumentRepository
    jobs: JobRepository
    api_keys: ApiKeyRepository
    retention: RetentionRepository
    purge: PurgeRepository
    leases: LeaseRepository
    usage: UsageRepository
    idempotency: IdempotencyRepository
    pii_vault: PiiVaultRepository
    quotas: QuotaRepository
    audit: AuditRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork:
        """A new unit of work; `write=True` for use cases that write (serialised on SQLite)."""
        ...
