"""Request dependencies: the container, and who is calling (tenant and roles)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from mcp_service.api.guardrails.admission import throttle_of
from mcp_service.bootstrap import Container
from mcp_service.domain.access import Operator
from mcp_service.domain.errors import Forbidden
from mcp_service.services.governance.call_scope import Caller, set_caller

ALL_ROLES = frozenset({"chat", "ingest", "admin"})


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    roles: frozenset[str]
    key_id: str | None = None
    superadmin: bool = False  # may manage every tenant (see services/governance/keys.py)

    @property
    def operator(self) -> Operator:
        return Operator(self.tenant_id, self.superadmin)


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def presented_key(request: Request) -> str | None:
    """The API key from `Authorization: Bearer` (what OpenAI SDKs send) or `X-API-Key`."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return request.headers.get("x-api-key") or None


async def get_principal(request: Request, container: ContainerDep) -> Principal:
    """Who is calling; then admission: rate limit and quotas (api/guardrails/admission)."""
    settings = container.settings
    if settings.auth_mode == "disabled":
        principal = Principal(settings.default_tenant, ALL_ROLES, superadmin=True)
    else:
        throttle, limit = throttle_of(request), settings.rate_limit_per_minute
        found = await throttle.authenticate(
            request, presented_key(request), limit, container.ops.keys.authenticate
        )
        throttle.count(request, found.id, limit)
        operator = container.ops.keys.operator_of(found)
        principal = Principal(
            found.tenant_id, frozenset(found.roles), found.id, operator.superadmin
        )
    set_caller(Caller(principal.tenant_id, principal.key_id, principal.superadmin))
    await container.quotas.admit(principal.tenant_id, principal.key_id)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_role(role: str) -> object:
    async def check(principal: PrincipalDep) -> Principal:
        if role not in principal.roles and "admin" not in principal.roles:
            raise Forbidden(f"this call needs an API key with the {role!r} role")
        return principal

    return Depends(check)


ChatPrincipal = Annotated[Principal, require_role("chat")]
IngestPrincipal = Annotated[Principal, require_role("ingest")]
AdminPrincipal = Annotated[Principal, require_role("admin")]
