"""Quotas over REST (admin). A tenant's own quota is the operator's limit on it: only a
superadmin sets it (`?tenant_id=` names the tenant). A key's quota is set by an admin of
the key's tenant (or a superadmin). `null` means unlimited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from mcp_service.api.deps import AdminPrincipal, ContainerDep
from mcp_service.api.schemas.conversation import Strict
from mcp_service.domain.errors import Forbidden, NotFound
from mcp_service.domain.guardrails import TENANT_SUBJECT, Quota

router = APIRouter(tags=["quotas"])
LIMIT = 10**15


class QuotaIn(Strict):
    tokens_per_day: int | None = Field(default=None, ge=0, le=LIMIT)
    requests_per_minute: int | None = Field(default=None, ge=0, le=LIMIT)


class QuotaOut(BaseModel):
    tenant_id: str
    scope: str  # tenant | key
    key_id: str | None
    tokens_per_day: int | None
    requests_per_minute: int | None
    updated_at: datetime | None
    used: dict[str, int] | None = None

    @staticmethod
    def of(q: Quota, used: dict[str, int] | None = None) -> QuotaOut:
        return QuotaOut(
            tenant_id=q.tenant_id,
            scope=q.scope,
            key_id=None if q.subject == TENANT_SUBJECT else q.subject,
            tokens_per_day=q.tokens_per_day,
            requests_per_minute=q.requests_per_minute,
            updated_at=q.updated_at,
            used=used,
        )


@router.get("/v1/quotas")
async def list_quotas(
    principal: AdminPrincipal, c: ContainerDep, tenant_id: str | None = None
) -> dict[str, Any]:
    """The tenant's quota and its keys' quotas, with what is used now."""
    target = principal.operator.target(tenant_id)
    items = [
        QuotaOut.of(q, {"requests_last_minute": rpm, "tokens_today": tokens})
        for q, rpm, tokens in await c.quotas.overview(target)
    ]
    return {"tenant_id": target, "items": items}


def _tenant_target(principal: AdminPrincipal, tenant_id: str | None) -> str:
    if not principal.superadmin:
        raise Forbidden("only a superadmin sets or removes a tenant's own quota")
    return principal.operator.target(tenant_id)


async def _key_target(principal: AdminPrincipal, c: ContainerDep, key_id: str) -> str:
    owner = await c.quotas.tenant_of_key(key_id)
    if owner is None or not principal.operator.may_manage(owner):
        raise NotFound(f"API key {key_id!r} not found", field="key_id")
    return owner


@router.put("/v1/quotas/tenant", response_model=QuotaOut)
async def put_tenant_quota(
    body: QuotaIn,
    principal: AdminPrincipal,
    c: ContainerDep,
    response: Response,
    tenant_id: str | None = None,
) -> QuotaOut:
    target = _tenant_target(principal, tenant_id)
    if target != principal.tenant_id:
        await c.ops.tenants.get(principal.operator, target)  # 404 for a tenant that is not
    quota, created = await c.quotas.put(target, TENANT_SUBJECT, **body.model_dump())
    response.status_code = 201 if created else 200
    return QuotaOut.of(quota)


@router.put("/v1/quotas/keys/{key_id}", response_model=QuotaOut)
async def put_key_quota(
    key_id: str, body: QuotaIn, principal: AdminPrincipal, c: ContainerDep, response: Response
) -> QuotaOut:
    owner = await _key_target(principal, c, key_id)
    quota, created = await c.quotas.put(owner, key_id, **body.model_dump())
    response.status_code = 201 if created else 200
    return QuotaOut.of(quota)


@router.delete("/v1/quotas/tenant")
async def delete_tenant_quota(
    principal: AdminPrincipal, c: ContainerDep, tenant_id: str | None = None
) -> dict[str, Any]:
    target = _tenant_target(principal, tenant_id)
    await c.quotas.delete(target, TENANT_SUBJECT)
    return {"deleted": True, "tenant_id": target, "scope": "tenant"}


@router.delete("/v1/quotas/keys/{key_id}")
async def delete_key_quota(
    key_id: str, principal: AdminPrincipal, c: ContainerDep
) -> dict[str, Any]:
    owner = await _key_target(principal, c, key_id)
    await c.quotas.delete(owner, key_id)
    return {"deleted": True, "tenant_id": owner, "scope": "key", "key_id": key_id}
