"""Sessions and their history: create, read, update, delete, append and list turns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from mcp_service.domain.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from mcp_service.domain.model import (
    JSON,
    ContextPolicy,
    NewTurn,
    Session,
    Summary,
    Tenant,
    Turn,
)
from mcp_service.domain.queries import SessionQuery
from mcp_service.domain.repositories import UnitOfWork
from mcp_service.services.conversation.memory import enqueue_memory_jobs
from mcp_service.services.conversation.snapshot import SessionSnapshot
from mcp_service.services.deps import Deps
from mcp_service.services.governance.usage import record_usage
from mcp_service.services.validation import require_message

UPDATABLE = (
    "user_id",
    "metadata",
    "state",
    "system_prompt",
    "model",
    "policy",
    "collections",
    "legal_hold",
)


@dataclass(frozen=True)
class DeletionReceipt:
    session_id: str
    turns_deleted: int
    summaries_deleted: int
    vectors_deleted: bool
    deleted_at: datetime


def new_session(deps: Deps, tenant_id: str, session_id: str, fields: JSON | None = None) -> Session:
    """A Session object with defaults; `fields` may set any updatable attribute."""
    now = deps.now()
    base = Session(
        tenant_id=tenant_id,
        id=session_id,
        user_id=None,
        metadata={},
        state={},
        system_prompt=None,
        model=None,
        policy={},
        collections=None,
        legal_hold=False,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )
    return apply_fields(base, fields or {})


def apply_fields(session: Session, fields: JSON) -> Session:
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise InvalidInput(f"unknown session field(s): {', '.join(sorted(unknown))}")
    if "policy" in fields and fields["policy"] is not None:
        ContextPolicy.from_dict(fields["policy"])  # fails early on bad values
    values: dict[str, Any] = {k: v for k, v in fields.items()}
    if values.get("metadata") is None and "metadata" in values:
        values["metadata"] = {}
    if values.get("state") is None and "state" in values:
        values["state"] = {}
    if values.get("policy") is None and "policy" in values:
        values["policy"] = {}
    return replace(session, **values)


async def ensure_session(uow: UnitOfWork, deps: Deps, tenant_id: str, session_id: str) -> Session:
    """Load the session, creating it on first use (frontends may invent ids)."""
    found = await uow.sessions.get(tenant_id, session_id)
    if found is not None:
        return found
    await uow.tenants.ensure(tenant_id)
    await uow.sessions.add(new_session(deps, tenant_id, session_id))
    created = await uow.sessions.get(tenant_id, session_id)
    assert created is not None
    return created


class SessionService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def create(self, tenant_id: str, session_id: str, fields: JSON) -> Session:
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

    async def update(self, tenant_id: str, session_id: str, fields: JSON) -> Session:
        async with self.deps.uow(write=True) as uow:
            current = await _require(uow, tenant_id, session_id)
            updated = replace(apply_fields(current, fields), updated_at=self.deps.now())
            await uow.sessions.update(updated)
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
            await uow.sessions.delete(tenant_id, session_id)
            await uow.commit()
        self.deps.turn_cache.forget(tenant_id, session_id)
        return DeletionReceipt(session_id, turns, summaries, True, self.deps.now())

    async def append_turns(
        self, tenant_id: str, session_id: str, turns: Sequence[NewTurn]
    ) -> list[Turn]:
        """Append (or import, with timestamps) a batch; creates the session if needed."""
        cfg = self.deps.config
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
                created_at=as_utc(t.created_at) if t.created_at else now,
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
    ) -> list[Turn]:
        """Oldest first after `after_seq`, or newest first (before `before_seq`)."""
        async with self.deps.uow() as uow:
            await _require(uow, tenant_id, session_id)
            if newest_first:
                found = await uow.turns.recent(
                    tenant_id, session_id, limit=limit, before_seq=before_seq
                )
                return list(reversed(found))
            return await uow.turns.page(tenant_id, session_id, limit=limit, after_seq=after_seq)

    async def turn_with_report(
        self, tenant_id: str, session_id: str, seq: int
    ) -> tuple[Turn, JSON | None]:
        """One turn and, for a recorded reply, the context report it was built from."""
        async with self.deps.uow() as uow:
            await _require(uow, tenant_id, session_id)
            found = await uow.turns.with_report(tenant_id, session_id, seq)
        if found is None:
            raise NotFound(f"turn {seq} of session {session_id!r} not found", field="seq")
        return found


async def read_snapshot(deps: Deps, tenant_id: str, session_id: str) -> SessionSnapshot:
    async with deps.uow() as uow:
        session = await uow.sessions.get(tenant_id, session_id)
        tenant = await uow.tenants.get(tenant_id)
        summary = await uow.summaries.current(tenant_id, session_id) if session else None
    policy = merge_policy(tenant, session)
    return SessionSnapshot(session, policy, summary.through_seq if summary else 0)


async def record_turns(
    deps: Deps,
    tenant_id: str,
    session_id: str,
    turns: Sequence[NewTurn],
    snapshot: SessionSnapshot | None = None,
) -> list[Turn]:
    """Write turns with fresh, gap-free sequence numbers in one short transaction: the
    sequence reservation, the turns, usage events and the memory jobs (outbox)."""
    snap = snapshot or await read_snapshot(deps, tenant_id, session_id)
    async with deps.uow(write=True) as uow:
        session, first = snap.session, None
        if session is not None:
            first = await uow.sessions.reserve_seqs(tenant_id, session_id, len(turns), deps.now())
        if session is None or first is None:  # new, or deleted since it was read: create
            session = await ensure_session(uow, deps, tenant_id, session_id)
            first = await uow.sessions.reserve_seqs(tenant_id, session_id, len(turns), deps.now())
            assert first is not None  # it exists in this transaction
        written = await uow.turns.add_many(tenant_id, session_id, first, turns)
        await record_usage(uow, session, written)  # replies' usage, in the same transaction
        await enqueue_memory_jobs(uow, deps, tenant_id, session_id, written, snap)
        await uow.commit()
    return written


def as_utc(when: datetime) -> datetime:
    """Imported timestamps are stored in UTC (SQLite would drop the offset); naive = UTC."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def merge_policy(tenant: Tenant | None, session: Session | None) -> ContextPolicy:
    base = dict(tenant.settings.get("policy") or {}) if tenant else {}
    return ContextPolicy.from_dict({**base, **(session.policy if session else {})})


async def _require(uow: UnitOfWork, tenant_id: str, session_id: str) -> Session:
    session = await uow.sessions.get(tenant_id, session_id)
    if session is None:
        raise NotFound(f"session {session_id!r} not found", field="session_id")
    return session
