"""The rolling summaries of sessions, versioned. Every query is scoped by tenant."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import aware, summary_from_row
from mcp_service.adapters.db.core import SESSION_ID, SUMMARIES, TENANT_ID
from mcp_service.adapters.db.tables import SummaryRow
from mcp_service.domain.model import Summary

_CURRENT_SUMMARY = (
    select(SUMMARIES)
    .where(SUMMARIES.c.tenant_id == TENANT_ID, SUMMARIES.c.session_id == SESSION_ID)
    .order_by(SUMMARIES.c.version.desc())
    .limit(1)
)


class SqlSummaryRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def current(self, tenant_id: str, session_id: str) -> Summary | None:
        params = {"b_tenant_id": tenant_id, "b_session_id": session_id}
        row = (await self.db.execute(_CURRENT_SUMMARY, params)).first()
        return summary_from_row(row) if row else None  # type: ignore[arg-type]

    async def points(self, tenant_id: str, session_ids: Sequence[str]) -> dict[str, Summary]:
        if not session_ids:
            return {}
        t = SUMMARIES.c
        newest = (
            select(t.session_id, func.max(t.version).label("version"))
            .where(t.tenant_id == tenant_id, t.session_id.in_(list(session_ids)))
            .group_by(t.session_id)
            .subquery()
        )
        rows = await self.db.execute(
            select(t.session_id, t.version, t.through_seq, t.token_count, t.created_at)
            .join(
                newest,
                (t.session_id == newest.c.session_id) & (t.version == newest.c.version),
            )
            .where(t.tenant_id == tenant_id)
        )
        return {
            sid: Summary(tenant_id, sid, version, "", through, tokens, aware(created))
            for sid, version, through, tokens, created in rows.tuples()
        }

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
