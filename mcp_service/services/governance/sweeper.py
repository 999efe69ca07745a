"""The retention sweeper: on a schedule, applies every tenant's enabled policies.

Safe with many replicas: each tick first takes the lease `retention:schedule` for most
of an interval (and keeps it), so one sweep runs per interval across the cluster; each
tenant's run then holds that tenant's own lease (see services/governance/retention.py).
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from mcp_service.domain.retention import Receipt
from mcp_service.services.governance.retention import RetentionBusy, RetentionService

log = logging.getLogger(__name__)
SCHEDULE_LEASE = "retention:schedule"


class RetentionSweeper:
    def __init__(
        self,
        retention: RetentionService,
        *,
        interval_s: float,
        first_delay_s: float | None = None,
        holder: str | None = None,
    ) -> None:
        self.retention = retention
        self.interval_s = interval_s
        self.first_delay_s = min(60.0, interval_s) if first_delay_s is None else first_delay_s
        self.holder = holder or f"sweeper:{uuid.uuid4()}"

    async def tick(self) -> list[Receipt] | None:
        """One scheduled sweep; None when another sweeper has this interval."""
        deps = self.retention.deps
        async with deps.uow(write=True) as uow:
            mine = await uow.leases.acquire(
                SCHEDULE_LEASE, self.holder, deps.now(), self.interval_s * 0.9
            )
            await uow.commit()
        if not mine:
            return None
        async with deps.uow() as uow:
            tenants = await uow.retention.tenants_with_enabled()
        receipts: list[Receipt] = []
        for tenant_id in tenants:
            try:
                receipts.extend(await self.retention.run(tenant_id, trigger="schedule"))
            except RetentionBusy:
                log.info("retention: tenant %s is being swept by another run", tenant_id)
            except Exception:  # one tenant's failure never stops the sweep of the others
                log.exception("retention: the sweep of tenant %s failed", tenant_id)
        return receipts

    async def run_forever(self, stop: asyncio.Event) -> None:
        delay = self.first_delay_s
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
                return
            except TimeoutError:
                pass
            delay = self.interval_s
            try:
                receipts = await self.tick()
            except Exception:  # the database may be briefly unreachable: try next interval
                log.exception("retention sweep failed")
                continue
            if receipts:
                log.info("retention sweep wrote %d receipt(s)", len(receipts))
