"""One tenant's policy can never stop retention for the others: a rule that reaches
before year 1 means "nothing is that old", and a tenant whose run fails is logged and
skipped while the sweep goes on to the next tenant."""

from __future__ import annotations

import logging

import pytest

from mcp_service.domain.retention import Receipt
from mcp_service.services.governance.retention import RetentionService
from mcp_service.services.governance.sweeper import RetentionSweeper
from tests.integration.retention.seed import World

FOREVER = 1_000_000  # days: the natural way to say "practically never"


async def seed(world: World) -> None:
    world.clock.days_ago(100)
    await world.session("acme", "a-old", 2)
    await world.session("beta", "b-old", 2)
    world.clock.days_ago(0)
    await world.session("beta", "b-old", 1)


async def test_a_policy_reaching_before_year_one_keeps_everything_and_blocks_nobody(
    world: World,
) -> None:
    await seed(world)
    retention = world.retention()
    for field in ("turn_max_age_days", "session_idle_days", "document_max_age_days"):
        await retention.put("acme", f"keep-{field}", {field: FOREVER, "enabled": True})
    await retention.put("beta", "expire-old", {"turn_max_age_days": 30, "enabled": True})

    counts, cutoffs = await retention.dry_run("acme", "keep-turn_max_age_days")
    assert counts.turns == 0 and cutoffs.turns_before is not None
    assert cutoffs.turns_before.year == 1

    receipts = await RetentionSweeper(retention, interval_s=3600).tick()
    assert receipts is not None
    by_tenant = {(r.tenant_id, r.policy): r for r in receipts}
    assert all(not r.errors for r in receipts)
    assert by_tenant[("beta", "expire-old")].counts["turns"] == 2
    assert await world.seqs("beta", "b-old") == [3]  # beta's old turns are gone
    assert await world.seqs("acme", "a-old") == [1, 2]  # acme keeps everything


class FailsFor(RetentionService):
    """Our retention service with one tenant's run failing (a bug, a bad row)."""

    def __init__(self, world: World, tenant: str) -> None:
        super().__init__(world.deps, page_size=2, seq_batch=3)
        self.tenant = tenant

    async def run(self, tenant_id: str, *, trigger: str = "manual") -> list[Receipt]:
        if tenant_id == self.tenant:
            raise RuntimeError(f"run for {tenant_id} broke")
        return await super().run(tenant_id, trigger=trigger)


async def test_a_tenant_whose_run_fails_does_not_stop_the_later_ones(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await seed(world)
    policy = {"turn_max_age_days": 30, "enabled": True}
    await world.retention().put("acme", "p", dict(policy))
    await world.retention().put("beta", "p", dict(policy))

    with caplog.at_level(logging.ERROR):
        receipts = await RetentionSweeper(FailsFor(world, "acme"), interval_s=3600).tick()
    assert receipts is not None
    assert [r.tenant_id for r in receipts] == ["beta"]
    assert await world.seqs("beta", "b-old") == [3]
    assert any("acme" in r.getMessage() and r.exc_info for r in caplog.records)
