"""Tenants' API keys and usage accounting: the domain objects and the pure rules."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from mcp_service.domain.errors import Forbidden

ROLES: tuple[str, ...] = ("chat", "ingest", "admin")
KEY_PREFIX = "mcp_"
DISPLAY_PREFIX_LEN = 12
MAX_KEY_DAYS = 36_500  # a key may be valid for at most 100 years
USAGE_GROUPS: tuple[str, ...] = ("session", "user", "day", "model", "key")


def hash_key(key: str) -> str:
    """The stored form of an API key. Keys are 256-bit random, so one SHA-256 suffices
    (no salt or stretching needed: there is no dictionary to guess from)."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """A stored key: never the key itself, only its hash and a short display prefix."""

    id: str
    tenant_id: str
    name: str | None
    prefix: str
    key_hash: str
    roles: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < self.expires_at

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.active(now) else "expired"


@dataclass(frozen=True)
class UsageEvent:
    """One model call: written in the transaction that records the reply."""

    tenant_id: str
    session_id: str | None
    user_id: str | None
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    created_at: datetime
    api_key_id: str | None = None  # the key that made the call (None: auth disabled)


@dataclass(frozen=True)
class UsageGroup:
    """Totals for one session, user or day (`key` is None for turns without a user)."""

    key: str | None
    calls: int
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Operator:
    """Who manages tenants and keys: an admin key manages its own tenant; a superadmin
    (an admin key of the admin tenant, or anyone when auth is disabled) manages all."""

    tenant_id: str
    superadmin: bool = False

    def target(self, tenant_id: str | None) -> str:
        """The tenant an admin call acts on: its own unless a superadmin names another."""
        if tenant_id is None or tenant_id == self.tenant_id:
            return self.tenant_id
        if not self.superadmin:
            raise Forbidden(
                f"an admin key of tenant {self.tenant_id!r} manages only its own tenant",
                field="tenant_id",
            )
        return tenant_id

    def may_manage(self, tenant_id: str) -> bool:
        return self.superadmin or tenant_id == self.tenant_id
