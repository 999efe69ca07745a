"""Keys for tests, made straight through the key service."""

from __future__ import annotations

from mcp_service.bootstrap import Container
from mcp_service.domain.access import Operator


async def make_key(container: Container, tenant_id: str, *roles: str) -> str:
    """A new key of `tenant_id` (created if missing) with `roles`; returns the secret."""
    _, secret = await container.ops.keys.create(
        Operator(tenant_id, superadmin=True),
        tenant_id=tenant_id,
        roles=list(roles),
        create_tenant=True,
    )
    return secret


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def x_api_key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


class Keys:
    """One tenant's keys, one per role."""

    def __init__(self, tenant_id: str, chat: str, ingest: str, admin: str) -> None:
        self.tenant_id = tenant_id
        self.chat = bearer(chat)
        self.ingest = bearer(ingest)
        self.admin = bearer(admin)

    def for_role(self, role: str) -> dict[str, str]:
        headers: dict[str, str] = getattr(self, role)
        return headers


async def tenant_keys(container: Container, tenant_id: str) -> Keys:
    return Keys(
        tenant_id,
        await make_key(container, tenant_id, "chat"),
        await make_key(container, tenant_id, "ingest"),
        await make_key(container, tenant_id, "admin"),
    )
