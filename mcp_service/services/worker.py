"""The background worker: claims durable jobs, runs their handlers, retries with backoff."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import timedelta

from mcp_service.domain.model import JSON, Job
from mcp_service.services.deps import Deps

log = logging.getLogger(__name__)

Handler = Callable[[Job], Awaitable[JSON | None]]
# Runs many jobs of one kind at once; returns each job's result by job id, or the
# exception that failed that job alone (it is retried like a failed single job).
BatchHandler = Callable[[list[Job]], Awaitable[dict[str, JSON | Exception | None]]]
MAX_BACKOFF_S = 300.0
MAX_OUTAGE_WAIT_S = 30.0  # the longest pause between tries while the database is down
BATCH_LIMIT = 256  # a round costs a few transactions and yields; under load, rounds are slow


def client_safe(exc: Exception) -> str:
    """A job's `last_error`, which API clients read: the error's first line only — a
    database error's next lines are the SQL statement and its parameters (the data)."""
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    return f"{type(exc).__name__}: {first}"[:500]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Runs jobs one at a time, or a kind with a batch handler many at a time (up to
    `batch_limit` claimed together, one handler call, one transaction to complete them).
    Several workers (in one or many processes) may share a queue: a job is claimed under
    a lease, and only the lease holder may finish it."""

    def __init__(
        self,
        deps: Deps,
        handlers: Mapping[str, Handler],
        *,
        batch_handlers: Mapping[str, BatchHandler] | None = None,
        batch_limit: int = BATCH_LIMIT,
        worker_id: str | None = None,
        lease_s: float = 120.0,
        poll_s: float = 0.5,
        base_backoff_s: float = 2.0,
    ) -> None:
        self.deps = deps
        self.handlers = dict(handlers)
        self.batch_handlers = dict(batch_handlers or {})
        self.kinds = sorted(set(self.handlers) | set(self.batch_handlers))
        self.batch_limit = batch_limit
        self.worker_id = worker_id or default_worker_id()
        self.lease_s = lease_s
        self.poll_s = poll_s
        self.base_backoff_s = base_backoff_s
        self.wake = asyncio.Event()

    def lane(self, kinds: Collection[str], name: str) -> Worker:
        """A worker for some of these kinds (same handlers and settings, its own id).
        Lanes run side by side, so that slow jobs of one kind (a summary's model call)
        never hold up another (turn embeddings, which recall waits for)."""
        return Worker(
            self.deps,
            {k: h for k, h in self.handlers.items() if k in kinds},
            batch_handlers={k: h for k, h in self.batch_handlers.items() if k in kinds},
            batch_limit=self.batch_limit,
            worker_id=f"{self.worker_id}/{name}",
            lease_s=self.lease_s,
            poll_s=self.poll_s,
            base_backoff_s=self.base_backoff_s,
        )

    async def run_once(self) -> Job | None:
        """Claim and run one job (with a batch handler: a batch); return the first job,
        or None when nothing was runnable."""
        batch = await self._claim()
        if not batch:
            return None
        if batch[0].kind in self.batch_handlers:
            await self._run_batch(batch)
            return batch[0]
        job = batch[0]
        try:
            result = await self.handlers[job.kind](job)
        except Exception as exc:  # any handler failure is recorded and retried, never lost
            await self._failed(job, exc)
            return job
        async with self.deps.uow(write=True) as uow:
            await uow.jobs.complete(job.id, self.worker_id, result)
            await uow.commit()
        return job

    async def _claim(self) -> list[Job]:
        async with self.deps.uow(write=True) as uow:
            now = self.deps.now()
            job = await uow.jobs.claim(self.worker_id, now, self.lease_s, self.kinds)
            if job is None:
                return []
            batch = [job]
            if job.kind in self.batch_handlers:
                batch += await uow.jobs.claim_more(
                    self.worker_id, now, self.lease_s, job.kind, self.batch_limit - 1
                )
            await uow.commit()
        return batch

    async def _run_batch(self, batch: list[Job]) -> None:
        try:
            results = await self.batch_handlers[batch[0].kind](batch)
        except Exception as exc:  # the whole batch is retried (its handler is idempotent)
            for job in batch:
                await self._failed(job, exc)
            return
        done: dict[str, JSON | None] = {}
        for job in batch:
            result = results.get(job.id)
            if isinstance(result, Exception):
                await self._failed(job, result)
            else:
                done[job.id] = result
        async with self.deps.uow(write=True) as uow:
            await uow.jobs.complete_many(self.worker_id, done)
            await uow.commit()

    async def _failed(self, job: Job, exc: Exception) -> None:
        error = client_safe(exc)
        retry_at = None
        if job.attempts < job.max_attempts:
            delay = min(MAX_BACKOFF_S, self.base_backoff_s * 2 ** (job.attempts - 1))
            retry_at = self.deps.now() + timedelta(seconds=delay)
        log.warning("job %s (%s) attempt %d failed: %s", job.id, job.kind, job.attempts, error)
        async with self.deps.uow(write=True) as uow:
            await uow.jobs.fail(job.id, self.worker_id, error, retry_at)
            await uow.commit()

    async def run_until_idle(self, max_jobs: int = 10_000) -> int:
        """Run jobs until none is runnable now (tests and the `worker --drain` command)."""
        ran = 0
        while ran < max_jobs and await self.run_once() is not None:
            ran += 1
        return ran

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Run jobs until `stop`. While the queue cannot be reached (the database is down)
        it waits longer after each failure, up to MAX_OUTAGE_WAIT_S, logging the traceback
        once and a line per try after that, and carries on by itself when it is back."""
        failures = 0
        while not stop.is_set():
            try:
                job = await self.run_once()
            except Exception as exc:  # the database may be unreachable: back off, keep going
                failures += 1
                wait = self.outage_wait_s(failures)
                self._log_outage(failures, exc, wait)
                await self._idle(stop, wait)
                continue
            if failures:
                log.info("worker %s: recovered after %d failed tries", self.worker_id, failures)
                failures = 0
            if job is None:
                await self._idle(stop, self.poll_s)

    def outage_wait_s(self, failures: int) -> float:
        """How long to wait after `failures` failed tries in a row (doubling)."""
        return min(MAX_OUTAGE_WAIT_S, max(self.poll_s, 0.001) * 2.0 ** min(failures, 30))

    def _log_outage(self, failures: int, exc: Exception, wait: float) -> None:
        if failures == 1:
            log.error(
                "worker %s: the job queue is unreachable; retrying in %.3fs",
                self.worker_id,
                wait,
                exc_info=exc,
            )
            return
        log.warning(
            "worker %s: still unreachable (%d tries, %s: %s); retrying in %.3fs",
            self.worker_id,
            failures,
            type(exc).__name__,
            exc,
            wait,
        )

    async def _idle(self, stop: asyncio.Event, seconds: float) -> None:
        """Wait up to `seconds`, or less when stopped or woken (new work was enqueued)."""
        self.wake.clear()
        stop_task = asyncio.ensure_future(stop.wait())
        wake_task = asyncio.ensure_future(self.wake.wait())
        await asyncio.wait(
            {stop_task, wake_task}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
        )
        stop_task.cancel()
        wake_task.cancel()
