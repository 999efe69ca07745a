"""Tenants."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import aware, upsert_insert
from mcp_service.adapters.db.core import TENANT_ID, TENANTS
from mcp_service.adapters.db.tables import TenantRow
from mcp_service.domain.model import Tenant

_TENANT_GET = select(TENANTS).where(TENANTS.c.id == TENANT_ID)


class SqlTenantRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def get(self, tenant_id: str) -> Tenant | None:
        row = (await self.db.execute(_TENANT_GET, {"b_tenant_id": tenant_id})).first()
        return _tenant(row) if row is not None else None  # type: ignore[arg-type]

    async def ensure(self, tenant_id: str, name: str | None = None) -> Tenant:
        stmt = upsert_insert(self.db, TenantRow).values(
            id=tenant_id, name=name or tenant_id, settings={}, created_at=datetime.now(UTC)
        )
        await self.db.execute(stmt.on_conflict_do_nothing())
        tenant = await self.get(tenant_id)
        assert tenant is not None  # just inserted or already there
        return tenant

    async def add(self, tenant: Tenant) -> None:
        self.db.add(
            TenantRow(
                id=tenant.id,
                name=tenant.name,
                settings=tenant.settings,
                created_at=tenant.created_at,
            )
        )
        await self.db.flush()

    async def update(self, tenant: Tenant) -> None:
        await self.db.execute(
            update(TenantRow)
            .where(TenantRow.id == tenant.id)
            .values(name=tenant.name, settings=tenant.settings)
        )

    async def page(self, *, after: str | None, limit: int) -> list[Tenant]:
        stmt = select(TenantRow).order_by(TenantRow.id).limit(limit)
        if after is not None:
            stmt = stmt.where(TenantRow.id > after)
        return [_tenant(r) for r in await self.db.scalars(stmt)]


def _tenant(row: TenantRow) -> Tenant:
    return Tenant(row.id, row.name, aware(row.created_at), dict(row.settings or {}))
