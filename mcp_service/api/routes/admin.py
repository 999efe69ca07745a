"""Tenants and API keys (admin). An admin key manages its own tenant; admin keys of the
admin tenant (MCP_ADMIN_TENANT) manage every tenant and alone may create tenants."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from mcp_service.api.deps import AdminPrincipal, ContainerDep, PrincipalDep
from mcp_service.api.pagination import decode_cursor, encode_cursor
from mcp_service.api.schemas.ops import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    TenantIn,
    TenantOut,
    TenantPatch,
)
from mcp_service.services.governance.keys import expiry

router = APIRouter(tags=["admin"])


@router.post("/v1/tenants", status_code=201, response_model=TenantOut)
async def create_tenant(body: TenantIn, principal: AdminPrincipal, c: ContainerDep) -> TenantOut:
    settings = body.settings.model_dump(exclude_none=True) if body.settings else {}
    made = await c.ops.tenants.create(principal.operator, body.id, body.name, settings)
    return TenantOut.of(made)


@router.get("/v1/tenants")
async def list_tenants(
    principal: AdminPrincipal,
    c: ContainerDep,
    limit: int = Query(100, ge=1, le=1000),
    cursor: str | None = None,
) -> dict[str, Any]:
    items = await c.ops.tenants.page(
        principal.operator, after=decode_cursor(cursor), limit=limit + 1
    )
    more = len(items) > limit
    items = items[:limit]
    return {
        "items": [TenantOut.of(t) for t in items],
        "next_cursor": encode_cursor(items[-1].id) if more else None,
    }


@router.get("/v1/tenants/{tenant_id}", response_model=TenantOut)
async def get_tenant(tenant_id: str, principal: AdminPrincipal, c: ContainerDep) -> TenantOut:
    return TenantOut.of(await c.ops.tenants.get(principal.operator, tenant_id))


@router.patch("/v1/tenants/{tenant_id}", response_model=TenantOut)
async def patch_tenant(
    tenant_id: str, body: TenantPatch, principal: AdminPrincipal, c: ContainerDep
) -> TenantOut:
    settings = body.settings.model_dump(exclude_unset=True) if body.settings else None
    updated = await c.ops.tenants.update(principal.operator, tenant_id, body.name, settings)
    return TenantOut.of(updated)


@router.post("/v1/api-keys", status_code=201, response_model=ApiKeyCreated)
async def create_key(body: ApiKeyIn, principal: AdminPrincipal, c: ContainerDep) -> ApiKeyCreated:
    now = c.deps.now()
    key, secret = await c.ops.keys.create(
        principal.operator,
        tenant_id=body.tenant_id,
        roles=body.roles,
        name=body.name,
        expires_at=expiry(now, at=body.expires_at, in_days=body.expires_in_days),
    )
    return ApiKeyCreated(**ApiKeyOut.of(key, now).model_dump(), key=secret)


@router.get("/v1/api-keys")
async def list_keys(
    principal: AdminPrincipal,
    c: ContainerDep,
    tenant_id: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    cursor: str | None = None,
) -> dict[str, Any]:
    items = await c.ops.keys.page(
        principal.operator, tenant_id, after=decode_cursor(cursor), limit=limit + 1
    )
    more = len(items) > limit
    items = items[:limit]
    now = c.deps.now()
    return {
        "items": [ApiKeyOut.of(k, now) for k in items],
        "next_cursor": encode_cursor(items[-1].id) if more else None,
    }


@router.delete("/v1/api-keys/{key_id}")
async def revoke_key(key_id: str, principal: AdminPrincipal, c: ContainerDep) -> dict[str, Any]:
    key = await c.ops.keys.revoke(principal.operator, key_id)
    return {"revoked": True, "key": ApiKeyOut.of(key, c.deps.now())}


@router.get("/v1/whoami")
async def whoami(principal: PrincipalDep, c: ContainerDep) -> dict[str, Any]:
    """Who the presented key is: its tenant and roles (any valid key; with auth disabled,
    the default tenant with every role)."""
    return {
        "tenant_id": principal.tenant_id,
        "roles": sorted(principal.roles),
        "key_id": principal.key_id,
        "superadmin": principal.superadmin,
        "auth": c.settings.auth_mode,
    }
