"""Use cases behind the MCP tools, resources and prompts that the REST API does not
already have."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mcp_service.domain.errors import InvalidInput, NotFound
from mcp_service.domain.model import ChunkHit, SearchMode, Session, Summary, Turn
from mcp_service.domain.repositories import UnitOfWork
from mcp_service.services.conversation.sessions import ensure_session
from mcp_service.services.deps import Deps

MAX_FACT_KEY_CHARS = 100
MAX_FACT_VALUE_CHARS = 2000
MAX_RECENT_TURNS = 100


def reject_nul(value: str, field: str) -> str:
    """PostgreSQL cannot store NUL in text or JSON; refuse it up front, naming the field."""
    if "\x00" in value:
        raise InvalidInput(f"{field} must not contain NUL characters", field=field)
    return value


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
        key = reject_nul(key, "key").strip()
        if not key or len(key) > MAX_FACT_KEY_CHARS:
            raise InvalidInput(f"key must be 1 to {MAX_FACT_KEY_CHARS} characters", field="key")
        if len(reject_nul(str(value), "value")) > MAX_FACT_VALUE_CHARS:
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

    async def recent_turns(
        self, tenant_id: str, session_id: str, *, limit: int
    ) -> tuple[Session, list[Turn]]:
        """The session and its last `limit` turns, oldest first (NotFound for a session
        that does not exist in this tenant, exactly like one that never existed)."""
        if not 1 <= limit <= MAX_RECENT_TURNS:
            raise InvalidInput(f"limit must be between 1 and {MAX_RECENT_TURNS}", field="limit")
        async with self.deps.uow() as uow:
            session = await _existing(uow, tenant_id, session_id)
            return session, await uow.turns.recent(tenant_id, session_id, limit=limit)

    async def summary(self, tenant_id: str, session_id: str) -> Summary | None:
        """The session's current rolling summary; None while the conversation is short."""
        async with self.deps.uow() as uow:
            await _existing(uow, tenant_id, session_id)
            return await uow.summaries.current(tenant_id, session_id)

    async def session_ids(
        self, tenant_id: str, prefix: str, *, limit: int
    ) -> tuple[list[str], bool]:
        """Up to `limit` of the tenant's session ids that start with `prefix`, in id order,
        and whether there are more (argument completion)."""
        async with self.deps.uow() as uow:
            exact = await uow.sessions.get(tenant_id, prefix) if prefix else None
            # In byte order (SQLite's BINARY, PostgreSQL's C collation) every longer id with
            # this prefix sorts right after the prefix itself, so one page holds them all;
            # under a linguistic collation some may be missed (a hint, never a wrong id).
            page = await uow.sessions.page(tenant_id, limit=limit + 1, after=prefix or None)
        found = [exact.id] if exact is not None else []
        for session in page:
            if not session.id.startswith(prefix):
                break
            found.append(session.id)
        return found[:limit], len(found) > limit


async def _existing(uow: UnitOfWork, tenant_id: str, session_id: str) -> Session:
    session = await uow.sessions.get(tenant_id, session_id)
    if session is None:  # another tenant's session is just as missing
        raise NotFound(f"session {session_id!r} not found", field="session_id")
    return session
