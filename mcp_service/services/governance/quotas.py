"""Quotas per tenant and per API key: requests per minute and tokens per UTC day.

Counters live in the database (`quota_counters`, one row per subject, metric and window,
bumped with one atomic upsert), so every replica enforces the same limit. Requests per
minute use a sliding-window estimate over two fixed one-minute windows; a refused
request is rolled back and not counted. Tokens are what recorded replies used (the
same numbers as `GET /v1/usage`), checked before a prompt is built.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mcp_service.domain.errors import InvalidInput, NotFound
from mcp_service.domain.guardrails import (
    REQUESTS_PER_MINUTE,
    TENANT_SUBJECT,
    TOKENS_PER_DAY,
    Quota,
    QuotaExceeded,
    day_window,
    minute_window,
    rpm_retry_after,
    seconds_to_next_day,
    sliding_estimate,
)
from mcp_service.domain.repositories import UnitOfWork, UnitOfWorkFactory

RPM = "rpm"
TPD = "tpd"
MAX_LIMIT = 10**15


def _subjects(key_id: str | None) -> list[str]:
    return [TENANT_SUBJECT, key_id] if key_id else [TENANT_SUBJECT]


async def add_tokens(
    uow: UnitOfWork, tenant_id: str, key_id: str | None, at: datetime, tokens: int
) -> None:
    """Inside the transaction that records usage: count tokens for the tenant and key."""
    if tokens <= 0:
        return
    day = day_window(at)
    for subject in _subjects(key_id):
        if await uow.quotas.hit(tenant_id, subject, TPD, day, tokens) == tokens:
            await uow.quotas.forget_windows(tenant_id, subject, TPD, day - 1)


class QuotaService:
    def __init__(self, uow: UnitOfWorkFactory, now: Callable[[], datetime]) -> None:
        self.uow = uow
        self.now = now

    async def admit(self, tenant_id: str, key_id: str | None) -> None:
        """Count one request against the requests-per-minute quotas of the tenant and
        the key; raise QuotaExceeded (nothing counted) when one is used up."""
        async with self.uow() as uow:
            quotas = await uow.quotas.get(tenant_id, _subjects(key_id))
        limited = [q for q in quotas if q.requests_per_minute is not None]
        if not limited:
            return
        window, elapsed = minute_window(self.now())
        async with self.uow(write=True) as uow:
            for q in limited:
                limit = int(q.requests_per_minute or 0)
                current = await uow.quotas.hit(tenant_id, q.subject, RPM, window, 1)
                previous = await uow.quotas.used(tenant_id, q.subject, RPM, window - 1)
                if sliding_estimate(previous, current, elapsed) > limit:
                    wait = rpm_retry_after(previous, current - 1, elapsed, limit)
                    raise QuotaExceeded(REQUESTS_PER_MINUTE, q.scope, limit, wait)
                if current == 1:
                    await uow.quotas.forget_windows(tenant_id, q.subject, RPM, window - 1)
            await uow.commit()

    async def check_tokens(self, tenant_id: str, key_id: str | None) -> None:
        """Before a prompt is built: raise QuotaExceeded when today's tokens are used up."""
        now = self.now()
        day = day_window(now)
        async with self.uow() as uow:
            quotas = await uow.quotas.get(tenant_id, _subjects(key_id))
            for q in quotas:
                if q.tokens_per_day is None:
                    continue
                used = await uow.quotas.used(tenant_id, q.subject, TPD, day)
                if used >= q.tokens_per_day:
                    raise QuotaExceeded(
                        TOKENS_PER_DAY, q.scope, q.tokens_per_day, seconds_to_next_day(now)
                    )

    async def put(
        self,
        tenant_id: str,
        subject: str,
        *,
        tokens_per_day: int | None,
        requests_per_minute: int | None,
    ) -> tuple[Quota, bool]:
        for name, value in (
            (TOKENS_PER_DAY, tokens_per_day),
            (REQUESTS_PER_MINUTE, requests_per_minute),
        ):
            if value is not None and not 0 <= value <= MAX_LIMIT:
                raise InvalidInput(f"{name} must be between 0 and {MAX_LIMIT}", field=name)
        async with self.uow(write=True) as uow:
            if subject != TENANT_SUBJECT:
                key = await uow.api_keys.find(subject)
                if key is None or key.tenant_id != tenant_id:
                    raise NotFound(f"API key {subject!r} not found", field="key_id")
            quota = Quota(tenant_id, subject, tokens_per_day, requests_per_minute, self.now())
            created = await uow.quotas.put(quota)
            await uow.commit()
        return quota, created

    async def tenant_of_key(self, key_id: str) -> str | None:
        async with self.uow() as uow:
            key = await uow.api_keys.find(key_id)
        return key.tenant_id if key else None

    async def delete(self, tenant_id: str, subject: str) -> None:
        async with self.uow(write=True) as uow:
            if not await uow.quotas.delete(tenant_id, subject):
                raise NotFound(f"no quota for {subject!r}", field="subject")
            await uow.commit()

    async def overview(self, tenant_id: str) -> list[tuple[Quota, int, int]]:
        """Each quota of the tenant with what is used now: (quota, requests in the last
        minute (estimated), tokens today)."""
        now = self.now()
        window, elapsed = minute_window(now)
        day = day_window(now)
        out: list[tuple[Quota, int, int]] = []
        async with self.uow() as uow:
            for q in await uow.quotas.list_all(tenant_id):
                current = await uow.quotas.used(tenant_id, q.subject, RPM, window)
                previous = await uow.quotas.used(tenant_id, q.subject, RPM, window - 1)
                tokens = await uow.quotas.used(tenant_id, q.subject, TPD, day)
                out.append((q, round(sliding_estimate(previous, current, elapsed)), tokens))
        return out
