"""Tenants."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import aware, upsert_insert
from mcp_service.adapters.db.tables import TenantRow
from mcp_service.domain.model import Tenant


class SqlTenantRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def get(self, tenant_id: str) -> Tenant | None:
        row = await self.db.get(TenantRow, tenant_id)
        if row is None:
            return None
        return Tenant(row.id, row.name, aware(row.created_at), dict(row.settings or {}))

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
