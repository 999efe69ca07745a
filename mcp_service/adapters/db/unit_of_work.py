"""The unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self, cast

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mcp_service.adapters.db.admin_repos import SqlApiKeyRepository, SqlLeaseRepository
from mcp_service.adapters.db.conversation_repos import SqlTurnRepository
from mcp_service.adapters.db.guard_repos import (
    SqlAuditRepository,
    SqlPiiVaultRepository,
    SqlQuotaRepository,
)
from mcp_service.adapters.db.idempotency_repo import SqlIdempotencyRepository
from mcp_service.adapters.db.job_repo import SqlJobRepository
from mcp_service.adapters.db.knowledge_repos import SqlCollectionRepository, SqlDocumentRepository
from mcp_service.adapters.db.purge_repo import SqlPurgeRepository
from mcp_service.adapters.db.retention_repos import SqlRetentionRepository
from mcp_service.adapters.db.session_repo import SqlSessionRepository
from mcp_service.adapters.db.sqlite_inline import InlineSession, inline_engine, open_session
from mcp_service.adapters.db.summary_repo import SqlSummaryRepository
from mcp_service.adapters.db.tenant_repos import SqlTenantRepository
from mcp_service.adapters.db.usage_repo import SqlUsageRepository
from mcp_service.domain.guardrails import AuditRepository, PiiVaultRepository, QuotaRepository
from mcp_service.domain.ops_ports import (
    ApiKeyRepository,
    LeaseRepository,
    PurgeRepository,
    RetentionRepository,
    UsageRepository,
)
from mcp_service.domain.repositories import (
    CollectionRepository,
    DocumentRepository,
    IdempotencyRepository,
    JobRepository,
    SessionRepository,
    SummaryRepository,
    TenantRepository,
    TurnRepository,
)


class SqlUnitOfWork:
    """Repositories over one AsyncSession. On SQLite, writers queue on a process lock
    because SQLite has one writer and upgrading a read transaction can fail with BUSY."""

    db: AsyncSession
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

    def __init__(
        self, open_db: Callable[[], Awaitable[AsyncSession]], write_lock: asyncio.Lock | None
    ) -> None:
        self._open_db = open_db
        self._write_lock = write_lock
        self._committed = False

    async def __aenter__(self) -> Self:
        if self._write_lock is not None:
            await self._write_lock.acquire()
        try:
            self.db = await self._open_db()
        except BaseException:
            if self._write_lock is not None:
                self._write_lock.release()
            raise
        self.tenants = SqlTenantRepository(self.db)
        self.sessions = SqlSessionRepository(self.db)
        self.turns = SqlTurnRepository(self.db)
        self.summaries = SqlSummaryRepository(self.db)
        self.collections = SqlCollectionRepository(self.db)
        self.documents = SqlDocumentRepository(self.db)
        self.jobs = SqlJobRepository(self.db)
        self.api_keys = SqlApiKeyRepository(self.db)
        self.retention = SqlRetentionRepository(self.db)
        self.purge = SqlPurgeRepository(self.db)
        self.leases = SqlLeaseRepository(self.db)
        self.idempotency = SqlIdempotencyRepository(self.db)
        self.usage = SqlUsageRepository(self.db)
        self.pii_vault = SqlPiiVaultRepository(self.db)
        self.quotas = SqlQuotaRepository(self.db)
        self.audit = SqlAuditRepository(self.db)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                await self.db.rollback()
            await self.db.close()
        finally:
            if self._write_lock is not None:
                self._write_lock.release()

    async def commit(self) -> None:
        await self.db.commit()
        self._committed = True

    async def rollback(self) -> None:
        await self.db.rollback()


class SqlUnitOfWorkFactory:
    """Makes units of work for one engine. On a SQLite file, statements run inline on the
    event loop through a synchronous engine on the same file (see `sqlite_inline`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._sqlite = engine.dialect.name == "sqlite"
        self._write_lock = asyncio.Lock() if self._sqlite else None
        database = engine.url.database or ""
        file_backed = self._sqlite and database not in ("", ":memory:")
        self._inline: Engine | None = inline_engine(engine) if file_backed else None

    def __call__(self, *, write: bool = False) -> SqlUnitOfWork:
        inline = self._inline

        async def open_db() -> AsyncSession:
            if inline is None:
                return self._sessions()
            session = await open_session(inline, write=write)
            # Duck-typed: InlineSession offers the AsyncSession methods repositories use.
            return cast(AsyncSession, InlineSession(session))

        return SqlUnitOfWork(open_db, self._write_lock if write else None)

    def dispose(self) -> None:
        """Close the inline engine's pooled connections (the async engine is the
        caller's to dispose)."""
        if self._inline is not None:
            self._inline.dispose()
