"""Housekeeping on a schedule: what is kept only for a while is deleted when its time is up.

- `Idempotency-Key` records older than MCP_IDEMPOTENCY_TTL_S (their stored answers hold
  reply text; nothing replays them after the TTL anyway);
- the payloads of finished (done or dead) jobs — an ingest job's payload is the parsed
  documents, which must not outlive their deletion (jobs finished since this version
  empty theirs at once; this catches the ones from before).

Idempotent, so every replica may run it; no lease is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from mcp_service.services.deps import Deps

log = logging.getLogger(__name__)


class Housekeeping:
    def __init__(self, deps: Deps, *, interval_s: float) -> None:
        self.deps = deps
        self.interval_s = interval_s

    async def run_once(self, now: datetime | None = None) -> dict[str, int]:
        """One pass; how many records of each kind it deleted or emptied."""
        expired_before = (now or self.deps.now()) - timedelta(
            seconds=self.deps.config.idempotency_ttl_s
        )
        async with self.deps.uow(write=True) as uow:
            keys = await uow.idempotency.purge_expired(expired_before)
            payloads = await uow.jobs.clear_finished_payloads()
            await uow.commit()
        return {"idempotency_keys": keys, "job_payloads": payloads}

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                done = await self.run_once()
            except Exception:  # the database may be down: try again next interval
                log.exception("housekeeping failed; retrying in %.0fs", self.interval_s)
            else:
                if any(done.values()):
                    log.info("housekeeping: %s", done)
            with contextlib.suppress(TimeoutError):  # the interval passed: go again
                await asyncio.wait_for(stop.wait(), timeout=self.interval_s)
