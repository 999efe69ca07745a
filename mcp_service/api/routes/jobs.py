"""Background jobs: poll the status and progress of a job (e.g. a large ingest)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mcp_service.api.deps import ContainerDep, PrincipalDep
from mcp_service.services.knowledge.ingest_jobs import public_progress

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get("/{job_id}")
async def get_job(job_id: str, principal: PrincipalDep, c: ContainerDep) -> dict[str, Any]:
    """Another tenant's job answers 404, exactly like a missing one."""
    job = await c.knowledge.get_job(principal.tenant_id, job_id)
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
