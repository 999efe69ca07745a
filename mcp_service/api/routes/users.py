"""The right to be forgotten (admin): one user's data, gone from every store."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mcp_service.api.deps import AdminPrincipal, ContainerDep

router = APIRouter(prefix="/v1/users", tags=["admin"])


@router.delete("/{user_id}")
async def forget_user(user_id: str, principal: AdminPrincipal, c: ContainerDep) -> dict[str, Any]:
    receipt = await c.ops.erasure.forget_user(principal.tenant_id, user_id)
    return {"deleted": True, "receipt": receipt.to_dict()}
