"""Idempotency-Key records: a claim is an insert that only one concurrent request wins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import aware, upsert_insert
from mcp_service.adapters.db.tables import IdempotencyRow
from mcp_service.domain.model import JSON, IdempotencyRecord


class SqlIdempotencyRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def claim(
        self, record: IdempotencyRecord, *, stale_before: datetime, expired_before: datetime
    ) -> bool:
        # ON CONFLICT DO NOTHING: a concurrent duplicate waits for the winner's commit on
        # PostgreSQL (SQLite has one writer anyway) and then inserts nothing.
        insert = (
            upsert_insert(self.db, IdempotencyRow)
            .values(
                tenant_id=record.tenant_id,
                key=record.key,
                request_hash=record.request_hash,
                created_at=record.created_at,
                session_id=record.session_id,
            )
            .on_conflict_do_nothing()
        )
        if (await self.db.execute(insert)).rowcount:  # type: ignore[attr-defined]
            return True
        # The WHERE is re-checked after a row lock, so two take-overs cannot both win.
        row = IdempotencyRow
        takeover = (
            update(row)
            .where(
                row.tenant_id == record.tenant_id,
                row.key == record.key,
                or_(
                    and_(row.status_code.is_(None), row.created_at < stale_before),
                    row.created_at < expired_before,
                ),
            )
            .values(
                request_hash=record.request_hash,
                created_at=record.created_at,
                session_id=record.session_id,
                status_code=None,
                response=None,
            )
        )
        return bool((await self.db.execute(takeover)).rowcount)  # type: ignore[attr-defined]

    async def get(self, tenant_id: str, key: str) -> IdempotencyRecord | None:
        found = await self.db.scalar(
            select(IdempotencyRow).where(
                IdempotencyRow.tenant_id == tenant_id, IdempotencyRow.key == key
            )
        )
        if found is None:
            return None
        return IdempotencyRecord(
            tenant_id=found.tenant_id,
            key=found.key,
            request_hash=found.request_hash,
            created_at=aware(found.created_at),
            status_code=found.status_code,
            response=dict(found.response) if found.response is not None else None,
            session_id=found.session_id,
        )

    async def complete(self, tenant_id: str, key: str, status_code: int, response: JSON) -> None:
        await self.db.execute(
            update(IdempotencyRow)
            .where(IdempotencyRow.tenant_id == tenant_id, IdempotencyRow.key == key)
            .values(status_code=status_code, response=response)
        )

    async def release(self, tenant_id: str, key: str) -> None:
        await self.db.execute(
            delete(IdempotencyRow).where(
                IdempotencyRow.tenant_id == tenant_id,
                IdempotencyRow.key == key,
                IdempotencyRow.status_code.is_(None),
            )
        )

    async def forget_session(
        self, tenant_id: str, session_id: str, *, finished_only: bool = False
    ) -> int:
        row = IdempotencyRow
        stmt = delete(row).where(row.tenant_id == tenant_id, row.session_id == session_id)
        if finished_only:
            stmt = stmt.where(row.status_code.is_not(None))
        return int((await self.db.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def purge_expired(self, before: datetime) -> int:
        stmt = delete(IdempotencyRow).where(IdempotencyRow.created_at < before)
        return int((await self.db.execute(stmt)).rowcount)  # type: ignore[attr-defined]
