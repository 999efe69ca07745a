"""Admission of an authenticated request, run by `get_principal`:

- failed authentications are throttled per client address (in process memory), so a
  stream of made-up keys meets 429 instead of costing a key lookup each; a key verified
  on this replica within the last minute still gets through;
- MCP_RATE_LIMIT_PER_MINUTE is counted per *verified* key id (per replica), so made-up
  keys can neither dodge it nor evict real clients' windows;
- the quotas stored in the database (requests per minute of the tenant and the key) are
  counted across replicas (`QuotaService.admit`).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request

from mcp_service.api.limits import RATE_LIMIT_SCOPE_KEY, SlidingWindow
from mcp_service.domain.errors import RateLimited, Unauthorized

T = TypeVar("T")
VERIFIED_TTL_S = 60.0
MAX_VERIFIED = 100_000


class AuthThrottle:
    """Per-replica windows: requests per verified key, failed attempts per address."""

    def __init__(self) -> None:
        self.keys = SlidingWindow()
        self.failures = SlidingWindow()
        self.verified: dict[str, float] = {}

    async def authenticate(
        self,
        request: Request,
        presented: str | None,
        limit: int,
        lookup: Callable[[str], Awaitable[T]],
    ) -> T:
        now = time.monotonic()
        address = _address(request)
        digest = hashlib.sha256((presented or "").encode()).hexdigest()
        trusted = self.verified.get(digest, 0.0) > now
        if limit > 0 and not trusted:
            wait = self.failures.wait(address, limit, now)
            if wait is not None:
                raise _limited(
                    f"too many failed authentications from this address; retry in {wait}s", wait
                )
        try:
            if presented is None:
                raise Unauthorized("an API key is required (Authorization: Bearer or X-API-Key)")
            found = await lookup(presented)
        except Unauthorized:
            if limit > 0:
                self.failures.hit(address, limit, now)
            raise
        if len(self.verified) >= MAX_VERIFIED:
            self.verified = {k: t for k, t in self.verified.items() if t > now}
        self.verified[digest] = now + VERIFIED_TTL_S
        return found

    def count(self, request: Request, key_id: str, limit: int) -> None:
        """One request of a verified key against MCP_RATE_LIMIT_PER_MINUTE."""
        if limit <= 0:
            return
        wait, remaining = self.keys.hit("key:" + key_id, limit, time.monotonic())
        if wait is not None:
            retry = max(1, math.ceil(wait))
            raise _limited(
                f"rate limit of {limit} requests per minute exceeded; retry in {retry}s", retry
            )
        request.scope[RATE_LIMIT_SCOPE_KEY] = (limit, remaining)


def _limited(detail: str, wait: float) -> RateLimited:
    return RateLimited(detail, retry_after_s=max(1, math.ceil(wait)))


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def throttle_of(request: Request) -> AuthThrottle:
    """The app's throttle (one per app, made on first use)."""
    state = request.app.state
    throttle = getattr(state, "auth_throttle", None)
    if throttle is None:
        throttle = state.auth_throttle = AuthThrottle()
    assert isinstance(throttle, AuthThrottle)
    return throttle
