"""Retention policies: CRUD, dry runs, and enforcement runs that write receipts.

A run for a tenant holds the lease `retention:tenant:<id>` (one database row, taken
atomically), renewed while it works; a second run for the same tenant — on this replica
or another — is refused with 409 instead of racing the first.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import datetime

from mcp_service.domain.errors import AlreadyExists, DomainError, InvalidInput, NotFound
from mcp_service.domain.model import JSON
from mcp_service.domain.retention import (
    RETENTION,
    Counts,
    Cutoffs,
    Receipt,
    RetentionPolicy,
    parse_policy,
)
from mcp_service.services.deps import Deps
from mcp_service.services.governance.purge import Purger

log = logging.getLogger(__name__)
POLICY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


class RetentionBusy(AlreadyExists):
    """Another retention run holds this tenant's lease."""


class LeaseLost(DomainError):
    """The run's lease expired and another holder took it; the run stops."""


def tenant_lease(tenant_id: str) -> str:
    return f"retention:tenant:{tenant_id}"


class _Lease:
    """Holds a lease for one run and renews it (at most every third of its TTL)."""

    def __init__(self, deps: Deps, name: str, ttl_s: float) -> None:
        self.deps = deps
        self.name = name
        self.ttl_s = ttl_s
        self.holder = f"run:{uuid.uuid4()}"
        self._renewed = 0.0

    async def acquire(self) -> bool:
        async with self.deps.uow(write=True) as uow:
            taken = await uow.leases.acquire(self.name, self.holder, self.deps.now(), self.ttl_s)
            await uow.commit()
        self._renewed = time.monotonic()
        return taken

    async def heartbeat(self) -> None:
        if time.monotonic() - self._renewed < self.ttl_s / 3:
            return
        async with self.deps.uow(write=True) as uow:
            kept = await uow.leases.renew(self.name, self.holder, self.deps.now(), self.ttl_s)
            await uow.commit()
        if not kept:
            raise LeaseLost(f"lease {self.name} was lost; stopping this run")
        self._renewed = time.monotonic()

    async def release(self) -> None:
        async with self.deps.uow(write=True) as uow:
            await uow.leases.release(self.name, self.holder)
            await uow.commit()


class RetentionService:
    def __init__(
        self, deps: Deps, *, lease_s: float = 300.0, page_size: int = 100, seq_batch: int = 500
    ) -> None:
        self.deps = deps
        self.lease_s = lease_s
        self.page_size = page_size
        self.seq_batch = seq_batch

    async def put(self, tenant_id: str, name: str, body: JSON) -> tuple[RetentionPolicy, bool]:
        """Create or replace a policy; return it and whether it was created."""
        if not POLICY_NAME.match(name):
            raise InvalidInput(f"policy name {name!r} is not valid", field="name")
        spec, enabled = parse_policy(body)
        now = self.deps.now()
        async with self.deps.uow(write=True) as uow:
            await uow.tenants.ensure(tenant_id)
            old = await uow.retention.get(tenant_id, name)
            created_at = old.created_at if old else now
            policy = RetentionPolicy(tenant_id, name, spec, enabled, created_at, now)
            created = await uow.retention.put(policy)
            await uow.commit()
        return policy, created

    async def get(self, tenant_id: str, name: str) -> RetentionPolicy:
        async with self.deps.uow() as uow:
            found = await uow.retention.get(tenant_id, name)
        if found is None:
            raise NotFound(f"retention policy {name!r} not found", field="name")
        return found

    async def list_all(self, tenant_id: str) -> list[RetentionPolicy]:
        async with self.deps.uow() as uow:
            return await uow.retention.list_all(tenant_id)

    async def delete(self, tenant_id: str, name: str) -> None:
        async with self.deps.uow(write=True) as uow:
            if not await uow.retention.delete(tenant_id, name):
                raise NotFound(f"retention policy {name!r} not found", field="name")
            await uow.commit()

    async def dry_run(self, tenant_id: str, name: str) -> tuple[Counts, Cutoffs]:
        """What the policy would delete now (enabled or not). Deletes nothing."""
        policy = await self.get(tenant_id, name)
        cut = policy.spec.cutoffs(self.deps.now())
        purger = Purger(self.deps, page_size=self.page_size, seq_batch=self.seq_batch)
        counts = Counts()
        async for page in purger.plans(tenant_id, policy.spec, cut):
            for plan in page:
                counts.add(await purger.predict(plan, policy.spec))
        counts.add(await purger.documents(tenant_id, policy.spec, cut, dry_run=True))
        return counts, cut

    async def run(self, tenant_id: str, *, trigger: str = "manual") -> list[Receipt]:
        """Apply every enabled policy of the tenant; one receipt per policy."""
        lease = _Lease(self.deps, tenant_lease(tenant_id), self.lease_s)
        if not await lease.acquire():
            raise RetentionBusy(f"a retention run for tenant {tenant_id!r} is already in progress")
        run_id = str(uuid.uuid4())
        try:
            policies = [p for p in await self.list_all(tenant_id) if p.enabled]
            purger = Purger(
                self.deps,
                page_size=self.page_size,
                seq_batch=self.seq_batch,
                heartbeat=lease.heartbeat,
            )
            return [await self._apply(p, purger, run_id, trigger) for p in policies]
        finally:
            await lease.release()

    async def receipts(
        self, tenant_id: str, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[Receipt]:
        async with self.deps.uow() as uow:
            return await uow.retention.receipts(tenant_id, before=before, limit=limit)

    async def _apply(
        self, policy: RetentionPolicy, purger: Purger, run_id: str, trigger: str
    ) -> Receipt:
        started, clock = self.deps.now(), time.monotonic()
        counts, errors = Counts(), []
        cut: Cutoffs | None = None
        try:
            cut = policy.spec.cutoffs(started)
            async for page in purger.plans(policy.tenant_id, policy.spec, cut):
                for plan in page:
                    counts.add(await purger.execute(plan, policy.spec, cut))
        except Exception as exc:  # the receipt records any failure; the rest still runs
            errors.append(_describe("sessions", exc))
        if cut is not None:
            try:
                docs = await purger.documents(policy.tenant_id, policy.spec, cut, dry_run=False)
                counts.add(docs)
            except Exception as exc:  # as above
                errors.append(_describe("documents", exc))
        details = {
            "run_id": run_id,
            "trigger": trigger,
            "cutoffs": cut.to_dict() if cut is not None else None,
            "rules": policy.spec.to_dict(),
            "duration_ms": round((time.monotonic() - clock) * 1000, 2),
        }
        receipt = Receipt(
            str(uuid.uuid4()),
            policy.tenant_id,
            RETENTION,
            policy.name,
            counts.to_dict(),
            details,
            errors,
            started,
            self.deps.now(),
        )
        async with self.deps.uow(write=True) as uow:
            await uow.retention.add_receipt(receipt)
            await uow.commit()
        return receipt


def _describe(part: str, exc: Exception) -> str:
    if not isinstance(exc, DomainError):
        log.exception("retention %s step failed", part)
    message = exc.message if isinstance(exc, DomainError) else str(exc)
    return f"{part}: {type(exc).__name__}: {message}"
