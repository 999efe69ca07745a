"""A world for the retention tests: services on a real database and Qdrant Edge, a clock
the test moves, and helpers that seed sessions, summaries and documents at given ages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mcp_service.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from mcp_service.domain.model import JSON, Chunk, Collection, Document, NewTurn, Summary
from mcp_service.domain.ports import VectorStore
from mcp_service.services.conversation.memory import MemoryJobs
from mcp_service.services.conversation.sessions import SessionService
from mcp_service.services.deps import Deps
from mcp_service.services.governance.retention import RetentionService
from mcp_service.services.worker import Worker

NOW = datetime.now(UTC).replace(microsecond=0)
TEXTS = [
    "How do I reset my password?",
    "Use the self-service portal and follow the emailed link.",
    "Can I expense a new keyboard?",
    "Yes, up to 80 euros with a receipt.",
]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def days_ago(self, days: float) -> None:
        self.now = NOW - timedelta(days=days)


@dataclass
class World:
    deps: Deps
    engine: AsyncEngine
    clock: Clock
    store: VectorStore

    def replica(self, engine: AsyncEngine) -> Deps:
        """Another replica's services: its own engine (pool, locks), the same stores."""
        return Deps(
            uow=SqlUnitOfWorkFactory(engine),
            vectors=self.store,
            embedder=self.deps.embedder,
            counter=self.deps.counter,
            gateway=self.deps.gateway,
            now=self.clock,
        )

    async def session(
        self, tenant: str, sid: str, turns: int, *, user: str | None = None, **fields: Any
    ) -> None:
        sessions = SessionService(self.deps)
        if not await _exists(self, tenant, sid):
            await sessions.create(tenant, sid, {"user_id": user, **fields})
        new = [
            NewTurn(role="user" if i % 2 == 0 else "assistant", content=TEXTS[i % len(TEXTS)])  # type: ignore[arg-type]
            for i in range(turns)
        ]
        await sessions.append_turns(tenant, sid, new)

    async def summary(self, tenant: str, sid: str, version: int, through: int) -> None:
        async with self.deps.uow(write=True) as uow:
            summary = Summary(tenant, sid, version, f"summary {version}", through, 3, self.clock())
            await uow.summaries.add(summary)
            await uow.commit()

    async def document(
        self, tenant: str, collection: str, text_: str, meta: JSON | None = None
    ) -> str:
        now = self.clock()
        doc_id = str(uuid.uuid4())
        pieces = [text_, text_ + " (continued)"]
        chunks = [
            Chunk(str(uuid.uuid4()), tenant, collection, doc_id, i, p, 8, dict(meta or {}))
            for i, p in enumerate(pieces)
        ]
        doc = Document(doc_id, tenant, collection, None, None, "h", dict(meta or {}), 2, now, now)
        await self.store.upsert_chunks(tenant, chunks, await self.deps.embedder.embed(pieces))
        async with self.deps.uow(write=True) as uow:
            await uow.tenants.ensure(tenant)
            if await uow.collections.get(tenant, collection) is None:
                await uow.collections.add(Collection(tenant, collection, None, now))
            await uow.documents.add(doc, chunks)
            await uow.commit()
        return doc_id

    async def embed_all(self) -> None:
        """Run the queued memory jobs (queued at the real time, so run them as of now)."""
        saved, self.clock.now = self.clock.now, datetime.now(UTC) + timedelta(seconds=1)
        try:
            await Worker(self.deps, MemoryJobs(self.deps).handlers()).run_until_idle()
        finally:
            self.clock.now = saved

    async def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        async with self.engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(text(sql), params)).all()]

    async def seqs(self, tenant: str, sid: str) -> list[int]:
        rows = await self.rows(
            "SELECT seq FROM turns WHERE tenant_id = :t AND session_id = :s ORDER BY seq",
            t=tenant,
            s=sid,
        )
        return [int(r[0]) for r in rows]

    async def table_counts(self) -> dict[str, int]:
        out = {}
        for table in ("sessions", "turns", "summaries", "documents", "chunks"):
            out[table] = int((await self.rows(f"SELECT count(*) FROM {table}"))[0][0])
        return out

    async def vector_counts(self, *tenants: str) -> dict[str, tuple[int, int]]:
        return {
            t: (await self.store.count_turns(t), await self.store.count_chunks(t)) for t in tenants
        }

    def retention(self, deps: Deps | None = None) -> RetentionService:
        return RetentionService(deps or self.deps, page_size=2, seq_batch=3)


async def _exists(world: World, tenant: str, sid: str) -> bool:
    async with world.deps.uow() as uow:
        return await uow.sessions.get(tenant, sid) is not None
