"""API keys (stored hashed) and named leases."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import aware, upsert_insert
from mcp_service.adapters.db.tables import ApiKeyRow, LeaseRow
from mcp_service.domain.access import ApiKey


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        prefix=row.prefix,
        key_hash=row.key_hash,
        roles=tuple(row.roles or ()),
        created_at=aware(row.created_at),
        expires_at=aware(row.expires_at) if row.expires_at else None,
        revoked_at=aware(row.revoked_at) if row.revoked_at else None,
    )


class SqlApiKeyRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def add(self, key: ApiKey) -> None:
        self.db.add(
            ApiKeyRow(
                id=key.id,
                tenant_id=key.tenant_id,
                name=key.name,
                prefix=key.prefix,
                key_hash=key.key_hash,
                roles=list(key.roles),
                created_at=key.created_at,
                expires_at=key.expires_at,
                revoked_at=key.revoked_at,
            )
        )
        await self.db.flush()

    async def by_hash(self, key_hash: str) -> ApiKey | None:
        row = await self.db.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash))
        return _key(row) if row is not None else None

    async def find(self, key_id: str) -> ApiKey | None:
        row = await self.db.get(ApiKeyRow, key_id)
        return _key(row) if row is not None else None

    async def page(self, tenant_id: str, *, after: str | None, limit: int) -> list[ApiKey]:
        stmt = select(ApiKeyRow).where(ApiKeyRow.tenant_id == tenant_id)
        if after is not None:
            stmt = stmt.where(ApiKeyRow.id > after)
        rows = await self.db.scalars(stmt.order_by(ApiKeyRow.id).limit(limit))
        return [_key(r) for r in rows]

    async def revoke(self, tenant_id: str, key_id: str, when: datetime) -> bool:
        result = await self.db.execute(
            update(ApiKeyRow)
            .where(
                ApiKeyRow.tenant_id == tenant_id,
                ApiKeyRow.id == key_id,
                ApiKeyRow.revoked_at.is_(None),
            )
            .values(revoked_at=when)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlLeaseRepository:
    """A lease is one row; taking it is a single atomic INSERT … ON CONFLICT DO UPDATE that
    only succeeds when the row is free or expired, so two replicas never both hold it."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def acquire(self, name: str, holder: str, now: datetime, ttl_s: float) -> bool:
        until = now + timedelta(seconds=ttl_s)
        insert = upsert_insert(self.db, LeaseRow).values(name=name, holder=holder, expires_at=until)
        stmt = insert.on_conflict_do_update(
            index_elements=[LeaseRow.name],
            set_={"holder": holder, "expires_at": until},
            where=(LeaseRow.expires_at < now) | (LeaseRow.holder == holder),
        ).returning(LeaseRow.holder)
        taken = (await self.db.execute(stmt)).scalar_one_or_none()
        return taken == holder

    async def renew(self, name: str, holder: str, now: datetime, ttl_s: float) -> bool:
        result = await self.db.execute(
            update(LeaseRow)
            .where(LeaseRow.name == name, LeaseRow.holder == holder)
            .values(expires_at=now + timedelta(seconds=ttl_s))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release(self, name: str, holder: str) -> None:
        await self.db.execute(
            delete(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder)
        )
