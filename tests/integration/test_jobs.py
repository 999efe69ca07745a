"""The durable job queue on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from mcp_service.adapters.db.engine import make_engine
from mcp_service.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from mcp_service.domain.model import JSON, Job
from mcp_service.services.deps import Deps
from mcp_service.services.worker import Worker
from tests.fakes import FakeTokenCounter


def deps_for(uow: SqlUnitOfWorkFactory) -> Deps:
    return Deps(
        uow=uow,
        vectors=None,
        embedder=None,
        counter=FakeTokenCounter(),  # type: ignore[arg-type]
        gateway=None,
    )  # type: ignore[arg-type]


async def enqueue(uow: SqlUnitOfWorkFactory, n: int, kind: str = "work") -> list[str]:
    async with uow(write=True) as u:
        ids = [await u.jobs.enqueue(kind, {"i": i}, tenant_id="t") for i in range(n)]
        await u.commit()
    return ids


async def test_jobs_survive_a_restart(database_url: str) -> None:
    engine = make_engine(database_url)
    ids = await enqueue(SqlUnitOfWorkFactory(engine), 3)
    await engine.dispose()  # the process "restarts"

    engine = make_engine(database_url)
    uow = SqlUnitOfWorkFactory(engine)
    seen: list[int] = []

    async def handle(job: Job) -> JSON:
        seen.append(int(job.payload["i"]))
        return {"ok": True}

    ran = await Worker(deps_for(uow), {"work": handle}).run_until_idle()
    assert ran == 3 and sorted(seen) == [0, 1, 2]
    async with uow() as u:
        jobs = [await u.jobs.get("t", i) for i in ids]
    assert all(j is not None and j.status == "done" for j in jobs)
    await engine.dispose()


async def test_two_workers_never_run_a_job_twice(database_url: str) -> None:
    engine = make_engine(database_url)
    uow = SqlUnitOfWorkFactory(engine)
    await enqueue(uow, 40)
    runs: list[tuple[str, int]] = []

    def handler(name: str):  # type: ignore[no-untyped-def]
        async def handle(job: Job) -> JSON:
            runs.append((name, int(job.payload["i"])))
            await asyncio.sleep(0.005)
            return {}

        return handle

    # Two workers with separate engines, as two replicas would have.
    engine2 = make_engine(database_url)
    uow2 = SqlUnitOfWorkFactory(engine2)
    a = Worker(deps_for(uow), {"work": handler("a")}, worker_id="a")
    b = Worker(deps_for(uow2), {"work": handler("b")}, worker_id="b")
    await asyncio.gather(a.run_until_idle(), b.run_until_idle())
    done = sorted(i for _, i in runs)
    assert done == list(range(40))  # every job once, none twice
    assert {name for name, _ in runs} == {"a", "b"} or len(runs) == 40
    await engine.dispose()
    await engine2.dispose()


async def test_failing_job_retries_then_goes_dead(database_url: str) -> None:
    engine = make_engine(database_url)
    uow = SqlUnitOfWorkFactory(engine)
    (job_id,) = await enqueue(uow, 1, "boom")
    attempts = 0

    async def explode(job: Job) -> JSON:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("upstream down")

    worker = Worker(deps_for(uow), {"boom": explode}, base_backoff_s=0.0)
    await worker.run_until_idle()
    async with uow() as u:
        job = await u.jobs.get("t", job_id)
        depth = await u.jobs.depth(datetime.now(UTC))
    assert job is not None and job.status == "dead" and attempts == job.max_attempts
    assert "upstream down" in (job.last_error or "")
    assert depth["by_status"].get("dead") == 1
    await engine.dispose()


class _Unreachable:
    async def __aenter__(self) -> None:
        raise ConnectionRefusedError("[Errno 111] Connect call failed")

    async def __aexit__(self, *exc: object) -> None:
        return None


class FlakyUow:
    """Our UnitOfWorkFactory port, with the database 'down' for the first `outage` calls."""

    def __init__(self, real: SqlUnitOfWorkFactory, outage: int) -> None:
        self.real = real
        self.outage = outage
        self.calls = 0

    def __call__(self, *, write: bool = False):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.calls <= self.outage:
            return _Unreachable()
        return self.real(write=write)


async def test_the_worker_backs_off_while_the_database_is_down_and_recovers(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(database_url)
    real = SqlUnitOfWorkFactory(engine)
    await enqueue(real, 1)
    flaky = FlakyUow(real, outage=6)
    done = asyncio.Event()

    async def handle(job: Job) -> JSON:
        done.set()
        return {"ok": True}

    worker = Worker(deps_for(flaky), {"work": handle}, poll_s=0.005)  # type: ignore[arg-type]
    stop = asyncio.Event()
    caplog.set_level(logging.INFO, logger="mcp_service.services.worker")
    task = asyncio.create_task(worker.run_forever(stop))
    await asyncio.wait_for(done.wait(), 60)  # a safety net, not a timing goal
    stop.set()
    await task
    await engine.dispose()

    records = [r for r in caplog.records if r.name == "mcp_service.services.worker"]
    assert sum(1 for r in records if r.exc_info) == 1  # one traceback, not one per poll
    waits = [float(r.args[-1]) for r in records if "retrying in" in r.getMessage()]  # type: ignore[index, arg-type]
    assert len(waits) == 6
    assert waits == sorted(waits) and waits[-1] > waits[0]  # it backs off
    assert any("recovered" in r.getMessage() for r in records)


class DatabaseError(Exception):
    """Shaped like SQLAlchemy's: the statement and its parameters follow the message."""


async def test_a_failed_job_does_not_expose_sql_or_parameters(database_url: str) -> None:
    engine = make_engine(database_url)
    uow = SqlUnitOfWorkFactory(engine)
    (job_id,) = await enqueue(uow, 1)

    async def handle(job: Job) -> JSON:
        raise DatabaseError(
            "(DataError) value too long for type character varying(500)\n"
            "[SQL: INSERT INTO documents (id, external_id) VALUES ($1, $2)]\n"
            "[parameters: ('a810', 'SECRETVALUE')]"
        )

    await Worker(deps_for(uow), {"work": handle}).run_once()
    async with uow() as u:
        job = await u.jobs.get("t", job_id)
    await engine.dispose()
    assert job is not None and job.last_error is not None
    assert "value too long" in job.last_error
    assert "SQL" not in job.last_error and "SECRETVALUE" not in job.last_error
