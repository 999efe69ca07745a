"""Retention policies and the receipts of deletion runs (both scoped by tenant)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import aware
from mcp_service.adapters.db.tables import RetentionPolicyRow, RetentionReceiptRow
from mcp_service.domain.retention import Receipt, RetentionPolicy, RetentionSpec


def _policy(row: RetentionPolicyRow) -> RetentionPolicy:
    return RetentionPolicy(
        tenant_id=row.tenant_id,
        name=row.name,
        spec=RetentionSpec.from_dict(dict(row.spec or {})),
        enabled=row.enabled,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )


def _receipt(row: RetentionReceiptRow) -> Receipt:
    return Receipt(
        id=row.id,
        tenant_id=row.tenant_id,
        kind=row.kind,
        policy=row.policy,
        counts=dict(row.counts or {}),
        details=dict(row.details or {}),
        errors=list(row.errors or []),
        started_at=aware(row.started_at),
        finished_at=aware(row.finished_at),
    )


class SqlRetentionRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def put(self, policy: RetentionPolicy) -> bool:
        row = await self.db.get(RetentionPolicyRow, (policy.tenant_id, policy.name))
        if row is None:
            self.db.add(
                RetentionPolicyRow(
                    tenant_id=policy.tenant_id,
                    name=policy.name,
                    spec=policy.spec.to_dict(),
                    enabled=policy.enabled,
                    created_at=policy.created_at,
                    updated_at=policy.updated_at,
                )
            )
            await self.db.flush()
            return True
        await self.db.execute(
            update(RetentionPolicyRow)
            .where(
                RetentionPolicyRow.tenant_id == policy.tenant_id,
                RetentionPolicyRow.name == policy.name,
            )
            .values(
                spec=policy.spec.to_dict(), enabled=policy.enabled, updated_at=policy.updated_at
            )
        )
        return False

    async def get(self, tenant_id: str, name: str) -> RetentionPolicy | None:
        row = await self.db.get(RetentionPolicyRow, (tenant_id, name))
        return _policy(row) if row is not None else None

    async def list_all(self, tenant_id: str) -> list[RetentionPolicy]:
        rows = await self.db.scalars(
            select(RetentionPolicyRow)
            .where(RetentionPolicyRow.tenant_id == tenant_id)
            .order_by(RetentionPolicyRow.name)
        )
        return [_policy(r) for r in rows]

    async def delete(self, tenant_id: str, name: str) -> bool:
        result = await self.db.execute(
            delete(RetentionPolicyRow).where(
                RetentionPolicyRow.tenant_id == tenant_id, RetentionPolicyRow.name == name
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def tenants_with_enabled(self) -> list[str]:
        rows = await self.db.scalars(
            select(RetentionPolicyRow.tenant_id)
            .where(RetentionPolicyRow.enabled.is_(True))
            .distinct()
            .order_by(RetentionPolicyRow.tenant_id)
        )
        return list(rows)

    async def add_receipt(self, receipt: Receipt) -> None:
        self.db.add(
            RetentionReceiptRow(
                id=receipt.id,
                tenant_id=receipt.tenant_id,
                policy=receipt.policy,
                kind=receipt.kind,
                counts=receipt.counts,
                details=receipt.details,
                errors=receipt.errors,
                started_at=receipt.started_at,
                finished_at=receipt.finished_at,
            )
        )
        await self.db.flush()

    async def receipts(
        self, tenant_id: str, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[Receipt]:
        r = RetentionReceiptRow
        stmt = select(r).where(r.tenant_id == tenant_id)
        if before is not None:
            at, last_id = before
            stmt = stmt.where(or_(r.started_at < at, and_(r.started_at == at, r.id < last_id)))
        rows = await self.db.scalars(stmt.order_by(r.started_at.desc(), r.id.desc()).limit(limit))
        return [_receipt(x) for x in rows]
