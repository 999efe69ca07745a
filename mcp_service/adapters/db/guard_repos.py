"""The guardrails' tables: the PII vault, quotas and their counters, the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, exists, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import aware, upsert_insert
from mcp_service.adapters.db.tables import (
    AuditRow,
    PiiVaultRow,
    QuotaCounterRow,
    QuotaRow,
    SessionRow,
    SummaryRow,
    TurnRow,
)
from mcp_service.domain.guardrails import AuditEvent, Quota
from mcp_service.domain.pii import VaultEntry


class SqlPiiVaultRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    def _mine(self, tenant_id: str, session_id: str) -> tuple[object, object]:
        return PiiVaultRow.tenant_id == tenant_id, PiiVaultRow.session_id == session_id

    async def load(self, tenant_id: str, session_id: str) -> list[VaultEntry]:
        v = PiiVaultRow
        rows = await self.db.execute(
            select(v.kind, v.number, v.value_key, v.value)
            .where(v.tenant_id == tenant_id, v.session_id == session_id)
            .order_by(v.id)
        )
        return [VaultEntry(k, int(n), key, value) for k, n, key, value in rows.tuples()]

    async def lock_session(self, tenant_id: str, session_id: str) -> bool:
        found = await self.db.scalar(
            select(SessionRow.id)
            .where(SessionRow.tenant_id == tenant_id, SessionRow.id == session_id)
            .with_for_update()
        )
        return found is not None

    async def add(self, tenant_id: str, session_id: str, entries: Sequence[VaultEntry]) -> None:
        if not entries:
            return
        now = datetime.now(UTC)
        await self.db.execute(
            insert(PiiVaultRow),
            [
                {
                    "tenant_id": tenant_id,
                    "session_id": session_id,
                    "kind": e.kind,
                    "number": e.number,
                    "value_key": e.key,
                    "value": e.value,
                    "created_at": now,
                }
                for e in entries
            ],
        )

    async def prune(self, tenant_id: str, session_id: str) -> int:
        t, s = TurnRow, SummaryRow
        gone: list[str] = []
        for entry in await self.load(tenant_id, session_id):
            needles = (entry.value, f"<{entry.kind}_{entry.number}>")
            in_turns = exists().where(
                t.tenant_id == tenant_id,
                t.session_id == session_id,
                or_(*(t.content.contains(n, autoescape=True) for n in needles)),
            )
            in_summaries = exists().where(
                s.tenant_id == tenant_id,
                s.session_id == session_id,
                or_(*(s.content.contains(n, autoescape=True) for n in needles)),
            )
            if not await self.db.scalar(select(or_(in_turns, in_summaries))):
                gone.append(entry.key)
        if gone:
            await self.db.execute(
                delete(PiiVaultRow).where(
                    PiiVaultRow.tenant_id == tenant_id,
                    PiiVaultRow.session_id == session_id,
                    PiiVaultRow.value_key.in_(gone),
                )
            )
        return len(gone)


def _quota(row: QuotaRow) -> Quota:
    return Quota(
        row.tenant_id,
        row.subject,
        row.tokens_per_day,
        row.requests_per_minute,
        aware(row.updated_at),
    )


class SqlQuotaRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def get(self, tenant_id: str, subjects: Sequence[str]) -> list[Quota]:
        rows = await self.db.scalars(
            select(QuotaRow).where(
                QuotaRow.tenant_id == tenant_id, QuotaRow.subject.in_(list(subjects))
            )
        )
        return [_quota(r) for r in rows]

    async def list_all(self, tenant_id: str) -> list[Quota]:
        rows = await self.db.scalars(
            select(QuotaRow).where(QuotaRow.tenant_id == tenant_id).order_by(QuotaRow.subject)
        )
        return [_quota(r) for r in rows]

    async def put(self, quota: Quota) -> bool:
        existing = await self.db.get(QuotaRow, (quota.tenant_id, quota.subject))
        if existing is None:
            self.db.add(
                QuotaRow(
                    tenant_id=quota.tenant_id,
                    subject=quota.subject,
                    tokens_per_day=quota.tokens_per_day,
                    requests_per_minute=quota.requests_per_minute,
                    updated_at=quota.updated_at,
                )
            )
            await self.db.flush()
            return True
        existing.tokens_per_day = quota.tokens_per_day
        existing.requests_per_minute = quota.requests_per_minute
        existing.updated_at = quota.updated_at  # type: ignore[assignment]
        await self.db.flush()
        return False

    async def delete(self, tenant_id: str, subject: str) -> bool:
        result = await self.db.execute(
            delete(QuotaRow).where(QuotaRow.tenant_id == tenant_id, QuotaRow.subject == subject)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def hit(self, tenant_id: str, subject: str, metric: str, window: int, amount: int) -> int:
        c = QuotaCounterRow
        stmt = (
            upsert_insert(self.db, c)
            .values(tenant_id=tenant_id, subject=subject, metric=metric, window=window, used=amount)
            .on_conflict_do_update(
                index_elements=[c.tenant_id, c.subject, c.metric, c.window],
                set_={"used": c.used + amount},
            )
            .returning(c.used)
        )
        return int((await self.db.execute(stmt)).scalar_one())

    async def used(self, tenant_id: str, subject: str, metric: str, window: int) -> int:
        c = QuotaCounterRow
        value = await self.db.scalar(
            select(c.used).where(
                c.tenant_id == tenant_id,
                c.subject == subject,
                c.metric == metric,
                c.window == window,
            )
        )
        return int(value or 0)

    async def forget_windows(self, tenant_id: str, subject: str, metric: str, before: int) -> None:
        c = QuotaCounterRow
        await self.db.execute(
            delete(c).where(
                c.tenant_id == tenant_id,
                c.subject == subject,
                c.metric == metric,
                c.window < before,
            )
        )


class SqlAuditRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def add(self, event: AuditEvent) -> None:
        self.db.add(
            AuditRow(
                tenant_id=event.tenant_id,
                at=event.at,
                actor_tenant_id=event.actor_tenant_id,
                actor_key_id=event.actor_key_id,
                action=event.action,
                target=(event.target or None) and event.target[:300],
                outcome=event.outcome,
                status=event.status,
                request_id=event.request_id,
                details=event.details,
            )
        )
        await self.db.flush()

    async def page(
        self, tenant_id: str, *, action: str | None, before_id: int | None, limit: int
    ) -> list[AuditEvent]:
        stmt = select(AuditRow).where(AuditRow.tenant_id == tenant_id)
        if action is not None:
            stmt = stmt.where(AuditRow.action == action)
        if before_id is not None:
            stmt = stmt.where(AuditRow.id < before_id)
        rows = await self.db.scalars(stmt.order_by(AuditRow.id.desc()).limit(limit))
        return [
            AuditEvent(
                tenant_id=r.tenant_id,
                action=r.action,
                target=r.target,
                at=aware(r.at),
                actor_tenant_id=r.actor_tenant_id,
                actor_key_id=r.actor_key_id,
                outcome=r.outcome,
                status=r.status,
                request_id=r.request_id,
                details=dict(r.details or {}),
                id=r.id,
            )
            for r in rows
        ]
