"""The queries behind retention and erasure. Every one is scoped by tenant, and sessions
under legal hold never match a candidate query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import session_from_row
from mcp_service.adapters.db.json_match import metadata_matches
from mcp_service.adapters.db.tables import ChunkRow, DocumentRow, SessionRow, SummaryRow, TurnRow
from mcp_service.domain.model import JSON, Session


class SqlPurgeRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db
        self._postgres = db.get_bind().dialect.name == "postgresql"

    async def candidate_sessions(
        self,
        tenant_id: str,
        *,
        metadata: JSON | None,
        idle_before: datetime | None,
        turns_before: datetime | None,
        max_turns: int | None,
        after: str | None,
        limit: int,
    ) -> list[Session]:
        s, t = SessionRow, TurnRow
        mine = (t.tenant_id == s.tenant_id) & (t.session_id == s.id)
        reasons: list[ColumnElement[bool]] = []
        if idle_before is not None:
            reasons.append(s.last_activity_at < idle_before)
        if turns_before is not None:
            reasons.append(exists().where(mine, t.created_at < turns_before))
        if max_turns is not None:
            count = select(func.count()).select_from(t).where(mine).scalar_subquery()
            reasons.append(count > max_turns)
        if not reasons:
            return []
        stmt = select(s).where(
            s.tenant_id == tenant_id,
            s.legal_hold.is_(False),
            *self._matches(s.metadata_, metadata),
            or_(*reasons),
        )
        if after is not None:
            stmt = stmt.where(s.id > after)
        rows = await self.db.scalars(stmt.order_by(s.id).limit(limit))
        return [session_from_row(r) for r in rows]

    async def turn_seqs_before(
        self, tenant_id: str, session_id: str, before: datetime
    ) -> list[int]:
        rows = await self.db.scalars(
            select(TurnRow.seq)
            .where(*self._turns(tenant_id, session_id), TurnRow.created_at < before)
            .order_by(TurnRow.seq)
        )
        return list(rows)

    async def turn_seqs_beyond(self, tenant_id: str, session_id: str, keep: int) -> list[int]:
        rows = await self.db.scalars(
            select(TurnRow.seq)
            .where(*self._turns(tenant_id, session_id))
            .order_by(TurnRow.seq.desc())
            .offset(keep)
        )
        return sorted(rows)

    async def lock_session(self, tenant_id: str, session_id: str) -> Session | None:
        stmt = select(SessionRow).where(
            SessionRow.tenant_id == tenant_id, SessionRow.id == session_id
        )
        if self._postgres:
            stmt = stmt.with_for_update()
        row = await self.db.scalar(stmt.execution_options(populate_existing=True))
        return session_from_row(row) if row is not None else None

    async def delete_turns(self, tenant_id: str, session_id: str, seqs: Sequence[int]) -> int:
        if not seqs:
            return 0
        result = await self.db.execute(
            delete(TurnRow).where(*self._turns(tenant_id, session_id), TurnRow.seq.in_(list(seqs)))
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def count_summaries(self, tenant_id: str, session_id: str, from_seq: int | None) -> int:
        value = await self.db.scalar(
            select(func.count())
            .select_from(SummaryRow)
            .where(*self._summaries(tenant_id, session_id, from_seq))
        )
        return int(value or 0)

    async def delete_summaries(self, tenant_id: str, session_id: str, from_seq: int | None) -> int:
        result = await self.db.execute(
            delete(SummaryRow).where(*self._summaries(tenant_id, session_id, from_seq))
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def reset_embedded(self, tenant_id: str, session_id: str) -> list[int]:
        where = self._turns(tenant_id, session_id)
        await self.db.execute(update(TurnRow).where(*where).values(embedded=False))
        return list(await self.db.scalars(select(TurnRow.seq).where(*where).order_by(TurnRow.seq)))

    async def old_documents(
        self,
        tenant_id: str,
        *,
        before: datetime,
        metadata: JSON | None,
        after: str | None,
        limit: int,
    ) -> list[tuple[str, int]]:
        d = DocumentRow
        stmt = select(d.id, d.chunk_count).where(
            d.tenant_id == tenant_id, d.created_at < before, *self._matches(d.metadata_, metadata)
        )
        if after is not None:
            stmt = stmt.where(d.id > after)
        rows = await self.db.execute(stmt.order_by(d.id).limit(limit))
        return [(str(i), int(n)) for i, n in rows.tuples()]

    async def delete_documents(
        self, tenant_id: str, document_ids: Sequence[str], before: datetime
    ) -> tuple[int, int]:
        d = DocumentRow
        still_old = list(
            await self.db.scalars(
                select(d.id).where(
                    d.tenant_id == tenant_id, d.id.in_(list(document_ids)), d.created_at < before
                )
            )
        )
        if not still_old:
            return 0, 0
        chunks = await self.db.execute(
            delete(ChunkRow).where(
                ChunkRow.tenant_id == tenant_id, ChunkRow.document_id.in_(still_old)
            )
        )
        docs = await self.db.execute(delete(d).where(d.tenant_id == tenant_id, d.id.in_(still_old)))
        return int(docs.rowcount), int(chunks.rowcount)  # type: ignore[attr-defined]

    @staticmethod
    def _turns(tenant_id: str, session_id: str) -> list[ColumnElement[bool]]:
        return [TurnRow.tenant_id == tenant_id, TurnRow.session_id == session_id]

    @staticmethod
    def _summaries(
        tenant_id: str, session_id: str, from_seq: int | None
    ) -> list[ColumnElement[bool]]:
        where = [SummaryRow.tenant_id == tenant_id, SummaryRow.session_id == session_id]
        if from_seq is not None:
            where.append(SummaryRow.through_seq >= from_seq)
        return where

    def _matches(self, column: Any, metadata: JSON | None) -> list[ColumnElement[bool]]:
        return metadata_matches(column, metadata, self._postgres)
