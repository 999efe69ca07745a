"""Repositories for sessions, turns and summaries. Every query is scoped by tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import (
    TURN_COLUMNS,
    session_from_row,
    summary_from_row,
    turn_from_columns,
    turn_from_row,
    upsert_insert,
)
from mcp_service.adapters.db.tables import SessionRow, SummaryRow, TurnRow
from mcp_service.domain.model import NewTurn, Session, Summary, Turn


class SqlSessionRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def get(self, tenant_id: str, session_id: str) -> Session | None:
        row = await self.db.get(SessionRow, (tenant_id, session_id))
        return session_from_row(row) if row else None

    async def add(self, session: Session) -> bool:
        """Insert unless a session with this id exists; return whether it was created."""
        stmt = upsert_insert(self.db, SessionRow).values(
            tenant_id=session.tenant_id,
            id=session.id,
            user_id=session.user_id,
            metadata=session.metadata,
            state=session.state,
            system_prompt=session.system_prompt,
            model=session.model,
            policy=session.policy,
            collections=session.collections,
            legal_hold=session.legal_hold,
            next_seq=1,
            created_at=session.created_at,
            updated_at=session.updated_at,
            last_activity_at=session.last_activity_at,
        )
        result = await self.db.execute(stmt.on_conflict_do_nothing())
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def update(self, session: Session) -> None:
        await self.db.execute(
            update(SessionRow)
            .where(SessionRow.tenant_id == session.tenant_id, SessionRow.id == session.id)
            .values(
                user_id=session.user_id,
                metadata_=session.metadata,
                state=session.state,
                system_prompt=session.system_prompt,
                model=session.model,
                policy=session.policy,
                collections=session.collections,
                legal_hold=session.legal_hold,
                updated_at=session.updated_at,
            )
        )

    async def delete(self, tenant_id: str, session_id: str) -> None:
        await self.db.execute(
            delete(SessionRow).where(SessionRow.tenant_id == tenant_id, SessionRow.id == session_id)
        )

    async def page(
        self, tenant_id: str, *, limit: int, after: str | None, user_id: str | None = None
    ) -> list[Session]:
        stmt = select(SessionRow).where(SessionRow.tenant_id == tenant_id)
        if after is not None:
            stmt = stmt.where(SessionRow.id > after)
        if user_id is not None:
            stmt = stmt.where(SessionRow.user_id == user_id)
        rows = await self.db.scalars(stmt.order_by(SessionRow.id).limit(limit))
        return [session_from_row(r) for r in rows]

    async def reserve_seqs(
        self, tenant_id: str, session_id: str, count: int, activity_at: datetime
    ) -> int | None:
        # The UPDATE takes the session row's write lock until commit, so concurrent
        # writers on one session queue here and sequence numbers stay gap-free.
        result = await self.db.execute(
            update(SessionRow)
            .where(SessionRow.tenant_id == tenant_id, SessionRow.id == session_id)
            .values(next_seq=SessionRow.next_seq + count, last_activity_at=activity_at)
            .returning(SessionRow.next_seq)
        )
        after = result.scalar_one_or_none()
        return None if after is None else int(after) - count


class SqlTurnRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def add_many(
        self, tenant_id: str, session_id: str, first_seq: int, turns: Sequence[NewTurn]
    ) -> list[Turn]:
        rows = [
            TurnRow(
                tenant_id=tenant_id,
                session_id=session_id,
                seq=first_seq + i,
                role=t.role,
                content=t.content,
                name=t.name,
                token_count=t.token_count,
                created_at=t.created_at,
                metadata_=t.metadata,
                model=t.model,
                status=t.status,
                usage=t.usage,
                latency_ms=t.latency_ms,
                report=t.report,
                embedded=False,
            )
            for i, t in enumerate(turns)
        ]
        self.db.add_all(rows)
        await self.db.flush()
        return [turn_from_row(r) for r in rows]

    async def page(
        self, tenant_id: str, session_id: str, *, limit: int, after_seq: int = 0
    ) -> list[Turn]:
        rows = await self.db.scalars(
            select(TurnRow)
            .where(
                TurnRow.tenant_id == tenant_id,
                TurnRow.session_id == session_id,
                TurnRow.seq > after_seq,
            )
            .order_by(TurnRow.seq)
            .limit(limit)
        )
        return [turn_from_row(r) for r in rows]

    async def recent(
        self, tenant_id: str, session_id: str, *, limit: int, before_seq: int | None = None
    ) -> list[Turn]:
        # Hot path of every request: plain column rows (no ORM identity map, and never the
        # large per-reply `report` JSON), which is several times cheaper than entities.
        stmt = select(*TURN_COLUMNS).where(
            TurnRow.tenant_id == tenant_id, TurnRow.session_id == session_id
        )
        if before_seq is not None:
            stmt = stmt.where(TurnRow.seq < before_seq)
        rows = (await self.db.execute(stmt.order_by(TurnRow.seq.desc()).limit(limit))).all()
        return [turn_from_columns(r) for r in reversed(rows)]

    async def recent_costs(
        self, tenant_id: str, session_id: str, *, limit: int
    ) -> list[tuple[int, int]]:
        rows = await self.db.execute(
            select(TurnRow.seq, TurnRow.token_count)
            .where(TurnRow.tenant_id == tenant_id, TurnRow.session_id == session_id)
            .order_by(TurnRow.seq.desc())
            .limit(limit)
        )
        return [(int(seq), int(tokens)) for seq, tokens in rows.tuples()]

    async def get_many(self, tenant_id: str, keys: Sequence[tuple[str, int]]) -> list[Turn]:
        if not keys:
            return []
        rows = await self.db.execute(
            select(*TURN_COLUMNS).where(
                TurnRow.tenant_id == tenant_id,
                tuple_(TurnRow.session_id, TurnRow.seq).in_(list(keys)),
            )
        )
        return [turn_from_columns(r) for r in rows.all()]

    async def count(self, tenant_id: str, session_id: str) -> int:
        value = await self.db.scalar(
            select(func.count())
            .select_from(TurnRow)
            .where(TurnRow.tenant_id == tenant_id, TurnRow.session_id == session_id)
        )
        return int(value or 0)

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
                    TurnRow.tenant_id == tenant_id, TurnRow.session_id == session_id
                )
            )
        ).one()
        return int(row[0]), int(row[1])


class SqlSummaryRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def current(self, tenant_id: str, session_id: str) -> Summary | None:
        row = await self.db.scalar(
            select(SummaryRow)
            .where(SummaryRow.tenant_id == tenant_id, SummaryRow.session_id == session_id)
            .order_by(SummaryRow.version.desc())
            .limit(1)
        )
        return summary_from_row(row) if row else None

    async def add(self, summary: Summary) -> None:
        self.db.add(
            SummaryRow(
                tenant_id=summary.tenant_id,
                session_id=summary.session_id,
                version=summary.version,
                content=summary.content,
                through_seq=summary.through_seq,
                token_count=summary.token_count,
                created_at=summary.created_at,
            )
        )
        await self.db.flush()

    async def delete_session(self, tenant_id: str, session_id: str) -> int:
        result = await self.db.execute(
            delete(SummaryRow).where(
                SummaryRow.tenant_id == tenant_id, SummaryRow.session_id == session_id
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
