"""The durable job queue in the database.

PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so concurrent workers on many replicas
skip each other's rows. SQLite has a single writer; the claim is a compare-and-set
UPDATE, so even two processes cannot both take one job.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Text, and_, cast, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.convert import aware
from mcp_service.adapters.db.core import JOBS
from mcp_service.adapters.db.tables import JobRow
from mcp_service.domain.model import JSON, Job


def job_from_row(row: JobRow) -> Job:
    return Job(
        id=row.id,
        tenant_id=row.tenant_id,
        kind=row.kind,
        payload=dict(row.payload or {}),
        status=row.status,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        run_after=aware(row.run_after),
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        last_error=row.last_error,
        progress=row.progress,
        result=row.result,
        locked_until=aware(row.locked_until) if row.locked_until is not None else None,
    )


class SqlJobRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def enqueue(
        self, kind: str, payload: JSON, *, tenant_id: str | None, run_after: datetime | None = None
    ) -> str:
        now = datetime.now(UTC)
        job_id = str(uuid.uuid4())
        await self.db.execute(
            insert(JOBS).values(
                id=job_id,
                tenant_id=tenant_id,
                kind=kind,
                payload=payload,
                status="queued",
                attempts=0,
                max_attempts=5,
                run_after=run_after or now,
                created_at=now,
                updated_at=now,
            )
        )
        return job_id

    async def claim(
        self, worker_id: str, now: datetime, lease_s: float, kinds: Sequence[str] | None = None
    ) -> Job | None:
        runnable = or_(
            (JobRow.status == "queued") & (JobRow.run_after <= now),
            (JobRow.status == "running") & (JobRow.locked_until < now),  # lease expired
        )
        stmt = select(JobRow).where(runnable).order_by(JobRow.run_after).limit(1)
        if kinds:
            stmt = stmt.where(JobRow.kind.in_(list(kinds)))
        if self.db.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        row = await self.db.scalar(stmt)
        if row is None:
            return None
        taken = await self.db.execute(
            update(JobRow)
            .where(
                JobRow.id == row.id, JobRow.status == row.status, JobRow.attempts == row.attempts
            )
            .values(
                status="running",
                locked_by=worker_id,
                locked_until=now + timedelta(seconds=lease_s),
                attempts=row.attempts + 1,
                updated_at=now,
            )
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            return None
        await self.db.refresh(row)
        return job_from_row(row)

    async def claim_more(
        self, worker_id: str, now: datetime, lease_s: float, kind: str, limit: int
    ) -> list[Job]:
        """Up to `limit` more queued, runnable jobs of one kind (a batch handler's share)."""
        if limit < 1:
            return []
        stmt = (
            select(JobRow.id)
            .where(JobRow.kind == kind, JobRow.status == "queued", JobRow.run_after <= now)
            .order_by(JobRow.run_after)
            .limit(limit)
        )
        if self.db.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        ids = list(await self.db.scalars(stmt))
        if not ids:
            return []
        # Compare-and-set on the status: a job another worker took meanwhile is skipped.
        await self.db.execute(
            update(JobRow)
            .where(JobRow.id.in_(ids), JobRow.status == "queued")
            .values(
                status="running",
                locked_by=worker_id,
                locked_until=now + timedelta(seconds=lease_s),
                attempts=JobRow.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        rows = await self.db.scalars(
            select(JobRow)
            .where(JobRow.id.in_(ids), JobRow.locked_by == worker_id, JobRow.status == "running")
            .execution_options(populate_existing=True)
        )
        return [job_from_row(r) for r in rows]

    async def complete_many(self, worker_id: str, results: dict[str, JSON | None]) -> int:
        """Complete a batch; jobs with equal results share one UPDATE."""
        groups: dict[str, tuple[JSON | None, list[str]]] = {}
        for job_id, result in results.items():
            key = json.dumps(result, sort_keys=True, default=str)
            groups.setdefault(key, (result, []))[1].append(job_id)
        done = 0
        now = datetime.now(UTC)
        for result, ids in groups.values():
            updated = await self.db.execute(
                update(JobRow)
                .where(JobRow.id.in_(ids), JobRow.locked_by == worker_id)
                .where(JobRow.status == "running")
                .values(status="done", result=result, payload={}, locked_until=None, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            done += int(updated.rowcount)  # type: ignore[attr-defined]
        return done

    async def complete(self, job_id: str, worker_id: str, result: JSON | None) -> bool:
        done = await self.db.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.locked_by == worker_id, JobRow.status == "running")
            .values(
                status="done",
                result=result,
                payload={},  # what the job needed (document text) is not kept once it is done
                locked_until=None,
                updated_at=datetime.now(UTC),
            )
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    async def fail(
        self, job_id: str, worker_id: str, error: str, retry_at: datetime | None
    ) -> bool:
        values: JSON = {
            "last_error": error[:4000],
            "locked_until": None,
            "updated_at": datetime.now(UTC),
        }
        if retry_at is None:
            values.update(status="dead", payload={})
        else:
            values.update(status="queued", run_after=retry_at)
        failed = await self.db.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.locked_by == worker_id, JobRow.status == "running")
            .values(**values)
        )
        return bool(failed.rowcount)  # type: ignore[attr-defined]

    async def progress(self, job_id: str, progress: JSON) -> None:
        await self.db.execute(
            update(JobRow)
            .where(JobRow.id == job_id)
            .values(progress=progress, updated_at=datetime.now(UTC))
        )

    async def clear_finished_payloads(self) -> int:
        emptied = await self.db.execute(
            update(JobRow)
            .where(JobRow.status.in_(["done", "dead"]), cast(JobRow.payload, Text) != "{}")
            .values(payload={})
            .execution_options(synchronize_session=False)
        )
        return int(emptied.rowcount)  # type: ignore[attr-defined]

    async def renew(self, job_id: str, attempts: int, until: datetime) -> bool:
        renewed = await self.db.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.status == "running", JobRow.attempts == attempts)
            .values(locked_until=until, updated_at=datetime.now(UTC))
        )
        return bool(renewed.rowcount)  # type: ignore[attr-defined]

    async def get(self, tenant_id: str | None, job_id: str) -> Job | None:
        row = await self.db.get(JobRow, job_id)
        if row is None or (tenant_id is not None and row.tenant_id != tenant_id):
            return None
        return job_from_row(row)

    async def depth(self, now: datetime, tenant_id: str | None = None) -> JSON:
        mine = [] if tenant_id is None else [JobRow.tenant_id == tenant_id]
        counts = dict(
            (
                await self.db.execute(
                    select(JobRow.status, func.count()).where(*mine).group_by(JobRow.status)
                )
            )
            .tuples()
            .all()
        )
        oldest = await self.db.scalar(
            select(func.min(JobRow.run_after)).where(JobRow.status == "queued", *mine)
        )
        lag = max(0.0, (now - aware(oldest)).total_seconds()) if oldest else 0.0
        return {"by_status": counts, "oldest_queued_age_s": lag}

    async def page(
        self,
        tenant_id: str,
        *,
        kind: str | None,
        before: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Job]:
        stmt = select(JobRow).where(JobRow.tenant_id == tenant_id)
        if kind is not None:
            stmt = stmt.where(JobRow.kind == kind)
        if before is not None:
            at, last = before
            stmt = stmt.where(
                or_(JobRow.created_at < at, and_(JobRow.created_at == at, JobRow.id < last))
            )
        order = (JobRow.created_at.desc(), JobRow.id.desc())
        rows = await self.db.scalars(stmt.order_by(*order).limit(limit))
        return [job_from_row(r) for r in rows]
