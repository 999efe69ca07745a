"""Several replicas: leases make two sweeps never race, so each row is deleted once and
each run writes one receipt per policy."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from mcp_service.adapters.db.engine import make_engine
from mcp_service.services.governance.retention import RetentionBusy, RetentionService
from mcp_service.services.governance.sweeper import RetentionSweeper
from tests.integration.retention.seed import World

POLICY = {"turn_max_age_days": 30, "session_idle_days": 60, "enabled": True}


async def seed(world: World) -> None:
    world.clock.days_ago(100)
    for i in range(4):
        await world.session("acme", f"idle-{i}", 4)
        await world.session("beta", f"idle-{i}", 4)
    world.clock.days_ago(40)
    await world.session("acme", "mixed", 6)
    world.clock.days_ago(0)
    await world.session("acme", "mixed", 2)
    await world.embed_all()
    await world.retention().put("acme", "p", dict(POLICY))
    await world.retention().put("beta", "p", dict(POLICY))


async def test_a_lease_has_one_holder_until_it_expires(world: World) -> None:
    uow, now = world.deps.uow, world.clock()
    async with uow(write=True) as u:
        assert await u.leases.acquire("job", "a", now, 60)
        assert not await u.leases.acquire("job", "b", now, 60)
        assert await u.leases.acquire("job", "a", now, 60)  # the holder may re-take it
        assert await u.leases.renew("job", "a", now, 60)
        assert not await u.leases.renew("job", "b", now, 60)
        assert await u.leases.acquire("job", "b", now + timedelta(seconds=61), 60)  # expired
        await u.leases.release("job", "a")  # not the holder: no effect
        assert not await u.leases.acquire("job", "a", now + timedelta(seconds=62), 60)
        await u.leases.release("job", "b")
        assert await u.leases.acquire("job", "a", now, 60)
        await u.commit()


async def test_two_sweepers_started_together_sweep_once(world: World, database_url: str) -> None:
    await seed(world)
    other_engine = make_engine(database_url)  # a second replica: its own pool and locks
    try:
        sweepers = [
            RetentionSweeper(world.retention(), interval_s=3600),
            RetentionSweeper(world.retention(world.replica(other_engine)), interval_s=3600),
        ]
        results = await asyncio.gather(*(s.tick() for s in sweepers))
    finally:
        await other_engine.dispose()
    ran = [r for r in results if r is not None]
    assert len(ran) == 1  # the other found this interval taken
    receipts = ran[0]
    assert sorted(r.tenant_id for r in receipts) == ["acme", "beta"]
    stored = await world.rows("SELECT tenant_id, counts FROM retention_receipts")
    assert len(stored) == 2
    assert sum(r.counts["turns"] for r in receipts) == 16 + 6 + 16
    assert sum(r.counts["sessions"] for r in receipts) == 8
    remaining = await world.rows("SELECT tenant_id, session_id, seq FROM turns ORDER BY 1, 2, 3")
    assert remaining == [("acme", "mixed", 7), ("acme", "mixed", 8)]
    assert await world.store.count_turns("acme") == 2
    assert await world.store.count_turns("beta") == 0
    assert await sweepers[1].tick() is None  # still this interval
    again = await sweepers[0].tick()  # the holder may sweep again; nothing is left
    assert again is not None and [r.counts["turns"] for r in again] == [0, 0]


async def test_concurrent_runs_for_one_tenant_never_double_delete(
    world: World, database_url: str
) -> None:
    await seed(world)
    other_engine = make_engine(database_url)
    try:
        services: list[RetentionService] = [
            world.retention(),
            world.retention(world.replica(other_engine)),
        ]
        results = await asyncio.gather(*(s.run("acme") for s in services), return_exceptions=True)
    finally:
        await other_engine.dispose()
    receipts = [r for result in results if isinstance(result, list) for r in result]
    refused = [r for r in results if isinstance(r, RetentionBusy)]
    assert len(receipts) + len(refused) == 2, results
    assert sum(r.counts["turns"] for r in receipts) == 16 + 6  # each row counted once
    assert sum(r.counts["sessions"] for r in receipts) == 4
    stored = await world.rows("SELECT count(*) FROM retention_receipts")
    assert stored == [(len(receipts),)]
    assert await world.seqs("acme", "mixed") == [7, 8]


async def test_the_sweeper_runs_on_its_schedule_and_stops(world: World) -> None:
    await seed(world)
    sweeper = RetentionSweeper(world.retention(), interval_s=3600, first_delay_s=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(sweeper.run_forever(stop))
    for _ in range(200):
        if await world.rows("SELECT id FROM retention_receipts"):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert len(await world.rows("SELECT id FROM retention_receipts")) == 2
    assert await world.seqs("acme", "idle-0") == []
