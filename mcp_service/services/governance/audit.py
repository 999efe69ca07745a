"""The audit log of admin actions: written after each one, read by admins."""

from __future__ import annotations

from mcp_service.domain.guardrails import AuditEvent
from mcp_service.domain.repositories import UnitOfWorkFactory


class AuditService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    async def record(self, event: AuditEvent) -> None:
        async with self.uow(write=True) as uow:
            await uow.audit.add(event)
            await uow.commit()

    async def page(
        self, tenant_id: str, *, action: str | None, before_id: int | None, limit: int
    ) -> list[AuditEvent]:
        """The tenant's events, newest first."""
        async with self.uow() as uow:
            return await uow.audit.page(tenant_id, action=action, before_id=before_id, limit=limit)
