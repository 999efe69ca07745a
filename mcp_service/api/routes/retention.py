"""Retention policies, dry runs, enforcement on demand, and the receipts (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response

from mcp_service.api.deps import AdminPrincipal, ContainerDep
from mcp_service.api.pagination import decode_position, encode_position
from mcp_service.api.schemas.ops import RetentionPolicyIn, policy_out

router = APIRouter(tags=["retention"])


@router.put("/v1/retention-policies/{name}")
async def put_policy(
    name: str,
    body: RetentionPolicyIn,
    principal: AdminPrincipal,
    c: ContainerDep,
    response: Response,
) -> dict[str, Any]:
    policy, created = await c.ops.retention.put(
        principal.tenant_id, name, body.model_dump(exclude_unset=True)
    )
    response.status_code = 201 if created else 200
    return policy_out(policy)


@router.get("/v1/retention-policies")
async def list_policies(principal: AdminPrincipal, c: ContainerDep) -> dict[str, Any]:
    items = await c.ops.retention.list_all(principal.tenant_id)
    return {"items": [policy_out(p) for p in items], "next_cursor": None}


@router.get("/v1/retention-policies/{name}")
async def get_policy(name: str, principal: AdminPrincipal, c: ContainerDep) -> dict[str, Any]:
    return policy_out(await c.ops.retention.get(principal.tenant_id, name))


@router.delete("/v1/retention-policies/{name}")
async def delete_policy(name: str, principal: AdminPrincipal, c: ContainerDep) -> dict[str, Any]:
    await c.ops.retention.delete(principal.tenant_id, name)
    return {"deleted": True, "name": name}


@router.post("/v1/retention-policies/{name}/dry-run")
async def dry_run(name: str, principal: AdminPrincipal, c: ContainerDep) -> dict[str, Any]:
    counts, cutoffs = await c.ops.retention.dry_run(principal.tenant_id, name)
    return {"policy": name, **counts.to_dict(), "time_range": cutoffs.to_dict()}


@router.post("/v1/retention/run")
async def run_now(principal: AdminPrincipal, c: ContainerDep) -> dict[str, Any]:
    receipts = await c.ops.retention.run(principal.tenant_id, trigger="manual")
    return {"receipts": [r.to_dict() for r in receipts]}


@router.get("/v1/retention/receipts")
async def list_receipts(
    principal: AdminPrincipal,
    c: ContainerDep,
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = None,
) -> dict[str, Any]:
    items = await c.ops.retention.receipts(
        principal.tenant_id, before=decode_position(cursor), limit=limit + 1
    )
    more = len(items) > limit
    items = items[:limit]
    last = items[-1] if items else None
    return {
        "items": [r.to_dict() for r in items],
        "next_cursor": encode_position(last.started_at, last.id) if more and last else None,
    }
