"""Idempotency keys: a retried request with the same key gets the first result back.

The first request *claims* the key in its own short transaction (an insert only one
concurrent request can win), runs, and stores its result. A duplicate that arrives while
the first one still runs polls for the stored result for up to `idempotency_wait_s`, then
gets `IdempotencyInProgress` (HTTP 409, which OpenAI SDKs retry). The same key with a
different request is an `IdempotencyConflict` (422). Keys are scoped by tenant.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import timedelta

from mcp_service.domain.errors import IdempotencyConflict, IdempotencyInProgress, InvalidInput
from mcp_service.domain.model import JSON, IdempotencyRecord
from mcp_service.services.deps import Deps

MAX_KEY_CHARS = 200
POLL_S = 0.05
FIELD = "Idempotency-Key"


@dataclass(frozen=True)
class StoredResult:
    """The first request's answer: HTTP status and the JSON the API layer stored."""

    status_code: int
    response: JSON


class IdempotencyService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def begin(
        self, tenant_id: str, key: str, request_hash: str, *, session_id: str | None = None
    ) -> StoredResult | None:
        """Claim `key` (None: run the request, then `complete` or `release`), or return the
        stored result of the first request that used it. `session_id`: the session the
        request writes to; deleting the session deletes the record (and its answer)."""
        if not key or len(key) > MAX_KEY_CHARS or not key.isprintable():
            raise InvalidInput(
                f"the idempotency key must be 1 to {MAX_KEY_CHARS} printable characters",
                field=FIELD,
            )
        cfg = self.deps.config
        deadline = time.monotonic() + cfg.idempotency_wait_s
        while True:
            if await self._claim(tenant_id, key, request_hash, session_id):
                return None
            stored = await self._wait(tenant_id, key, request_hash, deadline)
            if stored is not None:
                return stored
            # The first request gave its claim up (it wrote nothing): try to claim again.
            if time.monotonic() >= deadline:
                raise _in_progress()

    async def complete(self, tenant_id: str, key: str, result: StoredResult) -> None:
        async with self.deps.uow(write=True) as uow:
            await uow.idempotency.complete(tenant_id, key, result.status_code, result.response)
            await uow.commit()

    async def release(self, tenant_id: str, key: str) -> None:
        """Give the claim up, so that a retry runs afresh (for requests that wrote nothing)."""
        async with self.deps.uow(write=True) as uow:
            await uow.idempotency.release(tenant_id, key)
            await uow.commit()

    async def _claim(
        self, tenant_id: str, key: str, request_hash: str, session_id: str | None
    ) -> bool:
        cfg = self.deps.config
        now = self.deps.now()
        record = IdempotencyRecord(tenant_id, key, request_hash, now, session_id=session_id)
        async with self.deps.uow(write=True) as uow:
            won = await uow.idempotency.claim(
                record,
                stale_before=now - timedelta(seconds=cfg.idempotency_stale_s),
                expired_before=now - timedelta(seconds=cfg.idempotency_ttl_s),
            )
            await uow.commit()
        return won

    async def _wait(
        self, tenant_id: str, key: str, request_hash: str, deadline: float
    ) -> StoredResult | None:
        """Poll the key until the first request stored its result (None: it was released)."""
        while True:
            async with self.deps.uow() as uow:
                found = await uow.idempotency.get(tenant_id, key)
            if found is None:
                return None
            if found.request_hash != request_hash:
                raise IdempotencyConflict(
                    "this Idempotency-Key was already used with a different request",
                    field=FIELD,
                )
            if found.status_code is not None:
                return StoredResult(found.status_code, found.response or {})
            if time.monotonic() >= deadline:
                raise _in_progress()
            await asyncio.sleep(POLL_S)


def _in_progress() -> IdempotencyInProgress:
    return IdempotencyInProgress(
        "a request with this Idempotency-Key is still running; retry shortly (a request "
        "whose server stopped is taken over after MCP_IDEMPOTENCY_STALE_S)",
        field=FIELD,
    )
