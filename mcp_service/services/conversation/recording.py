"""Writing turns, and the sessions they create on first use: the one place sequence
numbers are reserved, and where a reply finds out that its session is gone.

`record_turns` writes a batch in one short transaction (sequence reservation, turns, usage,
memory jobs); `create=False` (replies) refuses a session deleted — or deleted and made
again — since the turn began.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from mcp_service.domain.errors import InvalidInput, SessionGone
from mcp_service.domain.model import JSON, ContextPolicy, NewTurn, Session, Tenant, Turn
from mcp_service.domain.repositories import UnitOfWork
from mcp_service.services.conversation.memory import enqueue_memory_jobs
from mcp_service.services.conversation.snapshot import SessionSnapshot
from mcp_service.services.conversation.supersede import drop_vectors, supersede_turns
from mcp_service.services.deps import Deps
from mcp_service.services.governance.usage import record_usage
from mcp_service.services.validation import require_session_id

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


async def ensure_session(
    uow: UnitOfWork, deps: Deps, tenant_id: str, session_id: str, fields: JSON | None = None
) -> Session:
    """Load the session, creating it on first use (frontends may invent ids) with
    `fields` (e.g. the user id a chat UI sent)."""
    found = await uow.sessions.get(tenant_id, session_id)
    if found is not None:
        return found
    require_session_id(session_id)  # what REST checks on the path, for MCP and the CLI too
    await uow.tenants.ensure(tenant_id)
    await uow.sessions.add(new_session(deps, tenant_id, session_id, fields))
    created = await uow.sessions.get(tenant_id, session_id)
    assert created is not None
    return created


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
    *,
    supersede_from: int | None = None,
    session_fields: JSON | None = None,
    create: bool = True,
) -> list[Turn]:
    """Write turns with fresh, gap-free sequence numbers in one short transaction: the
    sequence reservation, the turns, usage events and the memory jobs (outbox); first,
    with `supersede_from`, mark the turns from that seq on superseded. `create=False`
    (replies): a session deleted — or deleted and made again — since the snapshot is not
    written to; `SessionGone` instead."""
    if not turns and supersede_from is None:
        return []
    snap = snapshot or await read_snapshot(deps, tenant_id, session_id)
    superseded: list[int] = []
    async with deps.uow(write=True) as uow:
        if supersede_from is not None and snap.session is not None:
            superseded = await supersede_turns(
                uow, deps, tenant_id, session_id, supersede_from, snap
            )
        written = await _add_turns(
            uow, deps, tenant_id, session_id, turns, snap, session_fields, create=create
        )
        await uow.commit()
    if superseded:
        deps.turn_cache.forget(tenant_id, session_id)
        await drop_vectors(deps, tenant_id, session_id, superseded)
    return written


async def _add_turns(
    uow: UnitOfWork,
    deps: Deps,
    tenant_id: str,
    session_id: str,
    turns: Sequence[NewTurn],
    snap: SessionSnapshot,
    session_fields: JSON | None,
    *,
    create: bool,
) -> list[Turn]:
    if not turns:
        return []
    session, first = snap.session, None
    if session is not None:
        first = await uow.sessions.reserve_seqs(tenant_id, session_id, len(turns), deps.now())
        if first is not None and not create:
            await _require_same(uow, session)
    if session is None or first is None:  # new, or deleted since it was read: create
        if not create:
            raise _gone(session_id)
        session = await ensure_session(uow, deps, tenant_id, session_id, session_fields)
        first = await uow.sessions.reserve_seqs(tenant_id, session_id, len(turns), deps.now())
        assert first is not None  # it exists in this transaction
    written = await uow.turns.add_many(tenant_id, session_id, first, turns)
    await record_usage(uow, session, written)  # replies' usage, in the same transaction
    await enqueue_memory_jobs(uow, deps, tenant_id, session_id, written, snap)
    return written


def as_utc(when: datetime) -> datetime:
    """Imported timestamps are stored in UTC (SQLite would drop the offset); naive = UTC."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def merge_policy(tenant: Tenant | None, session: Session | None) -> ContextPolicy:
    base = dict(tenant.settings.get("policy") or {}) if tenant else {}
    return ContextPolicy.from_dict({**base, **(session.policy if session else {})})


async def _require_same(uow: UnitOfWork, session: Session) -> None:
    current = await uow.sessions.get(session.tenant_id, session.id)
    if current is None or current.created_at != session.created_at:
        raise _gone(session.id)


def _gone(session_id: str) -> SessionGone:
    return SessionGone(
        f"session {session_id!r} was deleted while the reply was generated; "
        "the reply was not recorded",
        field="session_id",
    )
