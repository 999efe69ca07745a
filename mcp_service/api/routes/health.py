"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from mcp_service.adapters.db.engine import current_revision, head_revision
from mcp_service.api.deps import ContainerDep
from mcp_service.domain.errors import DomainError

router = APIRouter(tags=["operations"])


@router.get("/livez")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(c: ContainerDep) -> JSONResponse:
    checks: dict[str, Any] = {}
    try:
        async with c.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        current = await current_revision(c.engine)
        head = head_revision(c.settings.resolved_database_url)
        checks["database"] = "ok"
        checks["migrations"] = "ok" if current == head else f"at {current}, head is {head}"
    except Exception as exc:  # readiness reports any failure instead of raising
        checks["database"] = f"error: {type(exc).__name__}: {exc}"
    try:
        await c.deps.vectors.ping()
        checks["vector_store"] = "ok"
    except DomainError as exc:
        checks["vector_store"] = f"error: {exc.message}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
