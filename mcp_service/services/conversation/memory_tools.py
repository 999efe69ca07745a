"""Use cases behind the MCP tools that the REST API does not already have."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mcp_service.domain.errors import InvalidInput, NotFound
from mcp_service.domain.model import ChunkHit, SearchMode, Session
from mcp_service.services.conversation.sessions import ensure_session
from mcp_service.services.deps import Deps

MAX_FACT_KEY_CHARS = 100
MAX_FACT_VALUE_CHARS = 2000


class MemoryTools:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def search(
        self,
        tenant_id: str,
        query: str,
        *,
        collection: str | None,
        top_k: int,
        mode: SearchMode = "hybrid",
    ) -> list[ChunkHit]:
        """Search one collection, or all of the tenant's collections when none is named."""
        if not query.strip():
            raise InvalidInput("query must not be empty", field="query")
        if not 1 <= top_k <= 50:
            raise InvalidInput("top_k must be between 1 and 50", field="top_k")
        async with self.deps.uow() as uow:
            names = await uow.collections.names(tenant_id)
        if collection is not None and collection not in names:
            raise NotFound(f"collection {collection!r} not found", field="collection")
        if not names:
            return []
        vector = await self.deps.embedder.embed_query(query) if mode != "lexical" else None
        return await self.deps.vectors.search_chunks(
            tenant_id,
            vector,
            query,
            collections=[collection] if collection else None,
            top_k=top_k,
            mode=mode,
        )

    async def remember(self, tenant_id: str, session_id: str, key: str, value: Any) -> Session:
        """Set one fact in the session state (created on first use); it goes into every
        prompt of the session as part of the "session state" section."""
        key = key.strip()
        if not key or len(key) > MAX_FACT_KEY_CHARS:
            raise InvalidInput(f"key must be 1 to {MAX_FACT_KEY_CHARS} characters", field="key")
        if len(str(value)) > MAX_FACT_VALUE_CHARS:
            raise InvalidInput(
                f"value must be at most {MAX_FACT_VALUE_CHARS} characters", field="value"
            )
        async with self.deps.uow(write=True) as uow:
            await ensure_session(uow, self.deps, tenant_id, session_id)
            # Read-modify-write of the state: lock the row (PostgreSQL) so that two facts
            # remembered at once are both kept (SQLite has one writer already).
            session = await uow.purge.lock_session(tenant_id, session_id)
            assert session is not None  # it exists in this transaction
            updated = replace(
                session, state={**session.state, key: value}, updated_at=self.deps.now()
            )
            await uow.sessions.update(updated)
            await uow.commit()
        return updated
