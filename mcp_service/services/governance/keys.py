"""API keys: create (shown once), authenticate, list, revoke. Only hashes are stored."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mcp_service.domain.access import (
    DISPLAY_PREFIX_LEN,
    KEY_PREFIX,
    MAX_KEY_DAYS,
    ROLES,
    ApiKey,
    Operator,
    hash_key,
)
from mcp_service.domain.errors import InvalidInput, NotFound, Unauthorized
from mcp_service.domain.repositories import UnitOfWorkFactory

INVALID_KEY = "the API key is not valid (unknown, revoked or expired)"


def normalize_roles(roles: Sequence[str]) -> tuple[str, ...]:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise InvalidInput(
            f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}", field="roles"
        )
    if not roles:
        raise InvalidInput(f"a key needs at least one role of {', '.join(ROLES)}", field="roles")
    return tuple(r for r in ROLES if r in roles)


class KeyService:
    def __init__(
        self, uow: UnitOfWorkFactory, now: Callable[[], datetime], *, admin_tenant: str
    ) -> None:
        self.uow = uow
        self.now = now
        self.admin_tenant = admin_tenant

    def operator_of(self, key: ApiKey) -> Operator:
        """The superadmin rule: admin keys of the admin tenant manage every tenant."""
        superadmin = key.tenant_id == self.admin_tenant and "admin" in key.roles
        return Operator(key.tenant_id, superadmin)

    async def authenticate(self, presented: str) -> ApiKey:
        async with self.uow() as uow:
            key = await uow.api_keys.by_hash(hash_key(presented))
        if key is None or not key.active(self.now()):
            raise Unauthorized(INVALID_KEY)
        return key

    async def create(
        self,
        operator: Operator,
        *,
        tenant_id: str | None,
        roles: Sequence[str],
        name: str | None = None,
        expires_at: datetime | None = None,
        create_tenant: bool = False,
    ) -> tuple[ApiKey, str]:
        """A new key; the secret is returned here once and never stored."""
        target = operator.target(tenant_id)
        now = self.now()
        if expires_at is not None and expires_at <= now:
            raise InvalidInput("expires_at must be in the future", field="expires_at")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(
            id=str(uuid.uuid4()),
            tenant_id=target,
            name=name,
            prefix=secret[:DISPLAY_PREFIX_LEN],
            key_hash=hash_key(secret),
            roles=normalize_roles(roles),
            created_at=now,
            expires_at=expires_at,
        )
        async with self.uow(write=True) as uow:
            if create_tenant:
                await uow.tenants.ensure(target)
            elif await uow.tenants.get(target) is None:
                raise NotFound(
                    f"tenant {target!r} not found; create it first (POST /v1/tenants)",
                    field="tenant_id",
                )
            await uow.api_keys.add(key)
            await uow.commit()
        return key, secret

    async def page(
        self, operator: Operator, tenant_id: str | None, *, after: str | None, limit: int
    ) -> list[ApiKey]:
        target = operator.target(tenant_id)
        async with self.uow() as uow:
            return await uow.api_keys.page(target, after=after, limit=limit)

    async def revoke(self, operator: Operator, key_id: str) -> ApiKey:
        """Revoke a key of a tenant the operator manages; another tenant's key is a 404."""
        when = self.now()
        async with self.uow(write=True) as uow:
            key = await uow.api_keys.find(key_id)
            if key is None or not operator.may_manage(key.tenant_id):
                raise NotFound(f"API key {key_id!r} not found", field="key_id")
            if key.revoked_at is None:
                await uow.api_keys.revoke(key.tenant_id, key_id, when)
                await uow.commit()
                return replace(key, revoked_at=when)
        return key


def expiry(now: datetime, *, at: datetime | None, in_days: float | None) -> datetime | None:
    """One expiry from either an instant or a number of days from now."""
    if at is not None and in_days is not None:
        raise InvalidInput("give expires_at or expires_in_days, not both", field="expires_at")
    if in_days is not None:
        if not 0 < in_days <= MAX_KEY_DAYS:
            raise InvalidInput(
                f"expires_in_days must be more than 0 and at most {MAX_KEY_DAYS}",
                field="expires_in_days",
            )
        return now + timedelta(days=in_days)
    if at is None:
        return None
    try:  # stored in UTC; without an offset it is UTC (as everywhere in the API)
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput("expires_at is out of range", field="expires_at") from exc
