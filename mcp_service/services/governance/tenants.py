"""Tenants: created by a superadmin, read by it and their own admins, updated only by
their own admins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from mcp_service.domain.access import Operator
from mcp_service.domain.errors import AlreadyExists, Forbidden, InvalidInput, NotFound
from mcp_service.domain.model import JSON, ContextPolicy, Tenant
from mcp_service.domain.repositories import UnitOfWorkFactory

SETTINGS = ("system_prompt", "policy", "pii_redaction")


def check_settings(settings: JSON) -> JSON:
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise InvalidInput(f"unknown tenant setting(s): {', '.join(unknown)}", field="settings")
    if settings.get("policy") is not None:
        ContextPolicy.from_dict(settings["policy"])
    return {k: v for k, v in settings.items() if v is not None}


class TenantService:
    def __init__(self, uow: UnitOfWorkFactory, now: Callable[[], datetime]) -> None:
        self.uow = uow
        self.now = now

    async def create(
        self, operator: Operator, tenant_id: str, name: str | None, settings: JSON
    ) -> Tenant:
        if not operator.superadmin:
            raise Forbidden("only an admin key of the admin tenant may create tenants")
        tenant = Tenant(tenant_id, name or tenant_id, self.now(), check_settings(settings))
        async with self.uow(write=True) as uow:
            if await uow.tenants.get(tenant_id) is not None:
                raise AlreadyExists(f"tenant {tenant_id!r} already exists", field="id")
            await uow.tenants.add(tenant)
            await uow.commit()
        return tenant

    async def get(self, operator: Operator, tenant_id: str) -> Tenant:
        async with self.uow() as uow:
            found = await uow.tenants.get(tenant_id) if operator.may_manage(tenant_id) else None
        if found is None:
            raise NotFound(f"tenant {tenant_id!r} not found", field="tenant_id")
        return found

    async def update(
        self, operator: Operator, tenant_id: str, name: str | None, settings: JSON | None
    ) -> Tenant:
        """A tenant's own admins change its name and settings (its system prompt and
        context policy); a superadmin of another tenant may read them, not rewrite them."""
        current = await self.get(operator, tenant_id)
        if tenant_id != operator.tenant_id:
            raise Forbidden(
                f"tenant {tenant_id!r}'s name and settings are changed by its own admins",
                field="tenant_id",
            )
        updated = replace(
            current,
            name=name or current.name,
            settings=current.settings
            if settings is None
            else check_settings({**current.settings, **settings}),
        )
        async with self.uow(write=True) as uow:
            await uow.tenants.update(updated)
            await uow.commit()
        return updated

    async def page(self, operator: Operator, *, after: str | None, limit: int) -> list[Tenant]:
        if not operator.superadmin:
            return [await self.get(operator, operator.tenant_id)] if after is None else []
        async with self.uow() as uow:
            return await uow.tenants.page(after=after, limit=limit)
