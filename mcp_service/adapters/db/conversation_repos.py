"""Repositories for turns (sessions: session_repo, summaries: summary_repo), by tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Integer, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import (
    TURN_COLUMNS,
    aware,
    turn_from_columns,
)
from mcp_service.adapters.db.core import SESSION_ID, TENANT_ID, TURNS
from mcp_service.adapters.db.tables import TurnRow
from mcp_service.domain.model import JSON, NewTurn, Turn

_CURRENT = TURNS.c.superseded_at.is_(None)  # superseded turns leave the context and listings
_RECENT_COSTS = (
    select(TURNS.c.seq, TURNS.c.token_count)
    .where(TURNS.c.tenant_id == TENANT_ID, TURNS.c.session_id == SESSION_ID, _CURRENT)
    .order_by(TURNS.c.seq.desc())
    .limit(bindparam("limit", type_=Integer))
)
_ONE_SESSION_TURNS = select(*TURN_COLUMNS).where(
    TURNS.c.tenant_id == TENANT_ID,
    TURNS.c.session_id == SESSION_ID,
    TURNS.c.seq.in_(bindparam("seqs", expanding=True)),
    _CURRENT,
)


class SqlTurnRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def add_many(
        self, tenant_id: str, session_id: str, first_seq: int, turns: Sequence[NewTurn]
    ) -> list[Turn]:
        written = [
            Turn(
                tenant_id=tenant_id,
                session_id=session_id,
                seq=first_seq + i,
                role=t.role,
                content=t.content,
                name=t.name,
                token_count=t.token_count,
                created_at=aware(t.created_at) if t.created_at else datetime.now(UTC),
                metadata=dict(t.metadata or {}),
                model=t.model,
                status=t.status,
                usage=t.usage,
                latency_ms=t.latency_ms,
            )
            for i, t in enumerate(turns)
        ]
        rows = [
            {
                "tenant_id": w.tenant_id,
                "session_id": w.session_id,
                "seq": w.seq,
                "role": w.role,
                "content": w.content,
                "name": w.name,
                "token_count": w.token_count,
                "created_at": w.created_at,
                "metadata": w.metadata,
                "model": w.model,
                "status": w.status,
                "usage": w.usage,
                "latency_ms": w.latency_ms,
                "report": t.report,
                "embedded": False,
            }
            for w, t in zip(written, turns, strict=True)
        ]
        await self.db.execute(insert(TURNS), rows)
        return written

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
        stmt = select(*TURN_COLUMNS).where(  # columns, never the large `report` JSON
            TurnRow.tenant_id == tenant_id, TurnRow.session_id == session_id
        )
        if not include_superseded:
            stmt = stmt.where(_CURRENT)
        if newest_first:
            if before_seq is not None:
                stmt = stmt.where(TurnRow.seq < before_seq)
            stmt = stmt.order_by(TurnRow.seq.desc())
        else:
            stmt = stmt.where(TurnRow.seq > after_seq).order_by(TurnRow.seq)
        rows = await self.db.execute(stmt.limit(limit))
        return [turn_from_columns(r) for r in rows.all()]

    async def recent(
        self, tenant_id: str, session_id: str, *, limit: int, before_seq: int | None = None
    ) -> list[Turn]:
        # Hot path of every request: plain column rows (no ORM identity map, and never the
        # large per-reply `report` JSON), which is several times cheaper than entities.
        stmt = select(*TURN_COLUMNS).where(
            TurnRow.tenant_id == tenant_id, TurnRow.session_id == session_id, _CURRENT
        )
        if before_seq is not None:
            stmt = stmt.where(TurnRow.seq < before_seq)
        rows = (await self.db.execute(stmt.order_by(TurnRow.seq.desc()).limit(limit))).all()
        return [turn_from_columns(r) for r in reversed(rows)]

    async def recent_costs(
        self, tenant_id: str, session_id: str, *, limit: int
    ) -> list[tuple[int, int]]:
        params = {"b_tenant_id": tenant_id, "b_session_id": session_id, "limit": limit}
        rows = await self.db.execute(_RECENT_COSTS, params)
        return [(int(seq), int(tokens)) for seq, tokens in rows.tuples()]

    async def get_many(self, tenant_id: str, keys: Sequence[tuple[str, int]]) -> list[Turn]:
        if not keys:
            return []
        sessions = {session for session, _ in keys}
        if len(sessions) == 1:  # the usual case: a plain index range, no row values
            params = {
                "b_tenant_id": tenant_id,
                "b_session_id": next(iter(sessions)),
                "seqs": [seq for _, seq in keys],
            }
            rows = await self.db.execute(_ONE_SESSION_TURNS, params)
        else:
            rows = await self.db.execute(
                select(*TURN_COLUMNS).where(
                    TURNS.c.tenant_id == tenant_id,
                    tuple_(TURNS.c.session_id, TURNS.c.seq).in_(list(keys)),
                    _CURRENT,
                )
            )
        return [turn_from_columns(r) for r in rows.all()]

    async def seq_span(
        self, tenant_id: str, session_id: str, start: datetime, end: datetime
    ) -> tuple[int, int] | None:
        row = (
            await self.db.execute(
                select(func.min(TURNS.c.seq), func.max(TURNS.c.seq)).where(
                    TURNS.c.tenant_id == tenant_id,
                    TURNS.c.session_id == session_id,
                    TURNS.c.created_at >= start,
                    TURNS.c.created_at < end,
                )
            )
        ).one()
        return (int(row[0]), int(row[1])) if row[0] is not None else None

    async def count(self, tenant_id: str, session_id: str) -> int:
        value = await self.db.scalar(
            select(func.count())
            .select_from(TurnRow)
            .where(TurnRow.tenant_id == tenant_id, TurnRow.session_id == session_id)
        )
        return int(value or 0)  # superseded turns too: retention's dry run counts these

    async def supersede(
        self, tenant_id: str, session_id: str, from_seq: int, at: datetime
    ) -> list[int]:
        mine = (TurnRow.tenant_id == tenant_id, TurnRow.session_id == session_id)
        where = (*mine, TurnRow.seq >= from_seq, _CURRENT)
        seqs = list(await self.db.scalars(select(TurnRow.seq).where(*where).order_by(TurnRow.seq)))
        if seqs:
            await self.db.execute(update(TurnRow).where(*where).values(superseded_at=at))
        return [int(s) for s in seqs]

    async def delete_session(self, tenant_id: str, session_id: str) -> int:
        result = await self.db.execute(
            delete(TurnRow).where(TurnRow.tenant_id == tenant_id, TurnRow.session_id == session_id)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def mark_embedded(self, tenant_id: str, session_id: str, seqs: Sequence[int]) -> int:
        result = await self.db.execute(
            update(TurnRow)
            .where(
                TurnRow.tenant_id == tenant_id,
                TurnRow.session_id == session_id,
                TurnRow.seq.in_(list(seqs)),
            )
            .values(embedded=True)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def memory_stats(self, tenant_id: str, session_id: str) -> tuple[int, int]:
        row = (
            await self.db.execute(
                select(func.count(), func.count().filter(TurnRow.embedded.is_(True))).where(
                    TurnRow.tenant_id == tenant_id, TurnRow.session_id == session_id, _CURRENT
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def memory_stats_many(
        self, tenant_id: str, session_ids: Sequence[str]
    ) -> dict[str, tuple[int, int]]:
        if not session_ids:
            return {}
        t = TURNS.c
        rows = await self.db.execute(
            select(t.session_id, func.count(), func.count().filter(t.embedded.is_(True)))
            .where(t.tenant_id == tenant_id, t.session_id.in_(list(session_ids)), _CURRENT)
            .group_by(t.session_id)
        )
        return {sid: (int(n), int(done)) for sid, n, done in rows.tuples()}

    async def with_report(
        self, tenant_id: str, session_id: str, seq: int
    ) -> tuple[Turn, JSON | None] | None:
        row = (
            await self.db.execute(
                select(*TURN_COLUMNS, TURNS.c.report).where(
                    TURNS.c.tenant_id == tenant_id,
                    TURNS.c.session_id == session_id,
                    TURNS.c.seq == seq,
                )
            )
        ).first()
        if row is None:
            return None
        return turn_from_columns(row[:-1]), row[-1]
