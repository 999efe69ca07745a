"""Sessions and their history: create, read, update, delete, append and list turns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from mcp_service.domain.errors import AlreadyExists, Conflict, Forbidden, InvalidInput, NotFound
from mcp_service.domain.model import JSON, NewTurn, Session, Summary, Turn
from mcp_service.domain.queries import SessionQuery
from mcp_service.domain.repositories import UnitOfWork
from mcp_service.services.conversation.memory import EMBED_TURNS

# Writing turns and creating sessions on first use live in recording.py; these names are
# imported from here by the rest of the service too.
from mcp_service.services.conversation.recording import UPDATABLE as UPDATABLE
from mcp_service.services.conversation.recording import apply_fields as apply_fields
from mcp_service.services.conversation.recording import as_utc as as_utc
from mcp_service.services.conversation.recording import ensure_session as ensure_session
from mcp_service.services.conversation.recording import merge_policy as merge_policy
from mcp_service.services.conversation.recording import new_session as new_session
from mcp_service.services.conversation.recording import read_snapshot as read_snapshot
from mcp_service.services.conversation.recording import record_turns as record_turns
from mcp_service.services.deps import Deps
from mcp_service.services.validation import require_message, require_session_id


@dataclass(frozen=True)
class DeletionReceipt:
    session_id: str
    turns_deleted: int
    summaries_deleted: int
    vectors_deleted: bool
    deleted_at: datetime


class SessionService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def create(
        self, tenant_id: str, session_id: str, fields: JSON, *, admin: bool = True
    ) -> Session:
        """`admin=False` (a chat key): setting a legal hold is refused (`Forbidden`)."""
        if not admin and fields.get("legal_hold"):
            raise _needs_admin("legal_hold")
        session = new_session(self.deps, tenant_id, session_id, fields)
        async with self.deps.uow(write=True) as uow:
            await uow.tenants.ensure(tenant_id)
            if not await uow.sessions.add(session):
                raise AlreadyExists(f"session {session_id!r} already exists", field="id")
            await uow.commit()
        return session

    async def get(self, tenant_id: str, session_id: str) -> Session:
        async with self.deps.uow() as uow:
            return await _require(uow, tenant_id, session_id)

    async def memory(self, tenant_id: str, session_id: str) -> JSON:
        """How far background memory has caught up with the session's turns."""
        async with self.deps.uow() as uow:
            await _require(uow, tenant_id, session_id)
            turns, embedded = await uow.turns.memory_stats(tenant_id, session_id)
            summary = await uow.summaries.current(tenant_id, session_id)
        return {
            "turns": turns,
            "turns_embedded": embedded,
            "summary_through_seq": summary.through_seq if summary else 0,
            "summary_version": summary.version if summary else None,
        }

    async def memory_many(self, tenant_id: str, session_ids: Sequence[str]) -> dict[str, JSON]:
        """`memory` for each of these sessions (a page of a list), in two queries."""
        async with self.deps.uow() as uow:
            stats = await uow.turns.memory_stats_many(tenant_id, session_ids)
            points = await uow.summaries.points(tenant_id, session_ids)
        out: dict[str, JSON] = {}
        for sid in session_ids:
            turns, embedded = stats.get(sid, (0, 0))
            summary = points.get(sid)
            out[sid] = {
                "turns": turns,
                "turns_embedded": embedded,
                "summary_through_seq": summary.through_seq if summary else 0,
                "summary_version": summary.version if summary else None,
            }
        return out

    async def summary(self, tenant_id: str, session_id: str) -> Summary:
        async with self.deps.uow() as uow:
            await _require(uow, tenant_id, session_id)
            found = await uow.summaries.current(tenant_id, session_id)
        if found is None:
            raise NotFound(f"session {session_id!r} has no summary yet", field="summary")
        return found

    async def page(
        self, tenant_id: str, *, limit: int, after: str | None, user_id: str | None
    ) -> list[Session]:
        async with self.deps.uow() as uow:
            return await uow.sessions.page(tenant_id, limit=limit, after=after, user_id=user_id)

    async def search(self, tenant_id: str, query: SessionQuery, *, limit: int) -> list[Session]:
        async with self.deps.uow() as uow:
            return await uow.sessions.search(tenant_id, query, limit=limit)

    async def update(
        self, tenant_id: str, session_id: str, fields: JSON, *, admin: bool = True
    ) -> Session:
        """`admin=False` (a chat key) may not set or lift a legal hold, nor move a session
        that has a user to another one (`Forbidden`). A new owner's session gets its turn
        vectors re-tagged (a job), so user-scope recall follows the owner."""
        async with self.deps.uow() as uow:
            current = await _require(uow, tenant_id, session_id)
        moved = "user_id" in fields and fields["user_id"] != current.user_id
        if not admin:
            if "legal_hold" in fields and fields["legal_hold"] != current.legal_hold:
                raise _needs_admin("legal_hold")
            if moved and current.user_id is not None:
                raise _needs_admin("user_id")
        if moved:  # the vectors carry the old owner: remove them, re-embed below
            await self.deps.vectors.delete_turns(tenant_id, session_id=session_id)
        async with self.deps.uow(write=True) as uow:
            current = await _require(uow, tenant_id, session_id)
            updated = replace(apply_fields(current, fields), updated_at=self.deps.now())
            await uow.sessions.update(updated)
            if moved:
                seqs = await uow.purge.reset_embedded(tenant_id, session_id)
                if seqs:
                    payload = {"session_id": session_id, "seqs": seqs}
                    await uow.jobs.enqueue(EMBED_TURNS, payload, tenant_id=tenant_id)
            await uow.commit()
        return updated

    async def delete(self, tenant_id: str, session_id: str) -> DeletionReceipt:
        """Hard delete: vectors first (a failure there deletes nothing), then the rows."""
        async with self.deps.uow() as uow:
            session = await _require(uow, tenant_id, session_id)
        if session.legal_hold:
            raise Conflict(
                f"session {session_id!r} is under legal hold; lift the hold to delete it",
                field="legal_hold",
            )
        await self.deps.vectors.delete_turns(tenant_id, session_id=session_id)
        async with self.deps.uow(write=True) as uow:
            summaries = await uow.summaries.delete_session(tenant_id, session_id)
            turns = await uow.turns.delete_session(tenant_id, session_id)
            await uow.idempotency.forget_session(tenant_id, session_id)  # remembered replies
            await uow.sessions.delete(tenant_id, session_id)
            await uow.commit()
        self.deps.turn_cache.forget(tenant_id, session_id)
        return DeletionReceipt(session_id, turns, summaries, True, self.deps.now())

    async def append_turns(
        self, tenant_id: str, session_id: str, turns: Sequence[NewTurn]
    ) -> list[Turn]:
        """Append (or import, with timestamps) a batch; creates the session if needed."""
        cfg = self.deps.config
        require_session_id(session_id)
        if not turns:
            raise InvalidInput("turns must not be empty", field="turns")
        if len(turns) > cfg.max_turns_per_import:
            raise InvalidInput(
                f"{len(turns)} turns in one batch; the limit is {cfg.max_turns_per_import}",
                field="turns",
            )
        now = self.deps.now()
        prepared = [
            replace(
                t,
                content=require_message(
                    t.content, max_chars=cfg.max_message_chars, field=f"turns[{i}].content"
                ),
                created_at=_imported_at(t.created_at, i) if t.created_at else now,
                token_count=self.deps.counter.count(t.content),
            )
            for i, t in enumerate(turns)
        ]
        return await record_turns(self.deps, tenant_id, session_id, prepared)

    async def list_turns(
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
        """Oldest first after `after_seq`, or newest first (before `before_seq`);
        `include_superseded` adds the turns a regenerate or an edit replaced."""
        async with self.deps.uow() as uow:
            await _require(uow, tenant_id, session_id)
            return await uow.turns.page(
                tenant_id,
                session_id,
                limit=limit,
                after_seq=after_seq,
                newest_first=newest_first,
                before_seq=before_seq,
                include_superseded=include_superseded,
            )

    async def turn_with_report(
        self, tenant_id: str, session_id: str, seq: int
    ) -> tuple[Turn, JSON | None]:
        """One turn (superseded ones too) and, for a recorded reply, the context report it
        was built from."""
        async with self.deps.uow() as uow:
            await _require(uow, tenant_id, session_id)
            found = await uow.turns.with_report(tenant_id, session_id, seq)
        if found is None:
            raise NotFound(f"turn {seq} of session {session_id!r} not found", field="seq")
        return found


def _imported_at(when: datetime, i: int) -> datetime:
    try:
        return as_utc(when)
    except OverflowError as exc:  # e.g. 9999-12-31T23:59:59-14:00 is in year 10000 in UTC
        field = f"turns[{i}].created_at"
        raise InvalidInput(f"{field} is out of range", field=field) from exc


def _needs_admin(field: str) -> Forbidden:
    return Forbidden(f"changing {field} needs an API key with the 'admin' role", field=field)


async def _require(uow: UnitOfWork, tenant_id: str, session_id: str) -> Session:
    session = await uow.sessions.get(tenant_id, session_id)
    if session is None:
        raise NotFound(f"session {session_id!r} not found", field="session_id")
    return session
