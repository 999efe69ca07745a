"""Background jobs: list a tenant's jobs, poll one (e.g. a large ingest), the queue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from mcp_service.api.deps import AdminPrincipal, ContainerDep, IngestPrincipal, PrincipalDep
from mcp_service.api.pagination import decode_position, encode_position
from mcp_service.domain.model import Job
from mcp_service.services.knowledge.ingest_jobs import public_progress
from mcp_service.services.observability import queue_depth

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get("")
async def list_jobs(
    principal: IngestPrincipal,
    c: ContainerDep,
    kind: str | None = Query(None, max_length=64, description="e.g. ingest"),
    limit: int = Query(20, ge=1, le=200),
    cursor: str | None = None,
) -> dict[str, Any]:
    """The caller's tenant's jobs, newest first."""
    items = await c.knowledge.jobs.page(
        principal.tenant_id, kind=kind, before=decode_position(cursor), limit=limit + 1
    )
    more = len(items) > limit
    items = items[:limit]
    last = items[-1] if items else None
    return {
        "items": [_job_out(j) for j in items],
        "next_cursor": encode_position(last.created_at, last.id) if more and last else None,
    }


@router.get("/queue")
async def queue(principal: AdminPrincipal, c: ContainerDep) -> dict[str, Any]:
    """The tenant's jobs by status and the age of its oldest runnable one (a superadmin
    sees the whole queue, as /metrics does)."""
    tenant = None if principal.superadmin else principal.tenant_id
    depth = await queue_depth(c.deps.uow, c.deps.now(), tenant)
    return {"tenant_id": tenant, **depth}


@router.get("/{job_id}")
async def get_job(job_id: str, principal: PrincipalDep, c: ContainerDep) -> dict[str, Any]:
    """Another tenant's job answers 404, exactly like a missing one."""
    return _job_out(await c.knowledge.get_job(principal.tenant_id, job_id))


def _job_out(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "progress": public_progress(job.progress),
        "result": job.result,
        "last_error": job.last_error,
        # A running job whose worker died is taken over once this has passed.
        "lease_expires_at": job.locked_until if job.status == "running" else None,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
    }
