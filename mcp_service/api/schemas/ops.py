"""Request and response bodies of the operations API: tenants, keys, retention, usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mcp_service.api.schemas.conversation import PolicyIn as ContextPolicyIn
from mcp_service.api.schemas.conversation import Strict
from mcp_service.domain.access import MAX_KEY_DAYS, ApiKey
from mcp_service.domain.inputs import TENANT_PATTERN as TENANT_PATTERN
from mcp_service.domain.model import Tenant
from mcp_service.domain.retention import MAX_DAYS, MAX_TURNS, RULES, RetentionPolicy

RoleName = Literal["chat", "ingest", "admin"]


class TenantSettingsIn(Strict):
    system_prompt: str | None = Field(default=None, max_length=32_000)
    policy: ContextPolicyIn | None = None
    # PII redaction for this tenant, overriding MCP_PII_REDACTION (null: the default).
    pii_redaction: Literal["off", "mask", "block"] | None = None


class TenantPatch(Strict):
    name: str | None = Field(default=None, max_length=200)
    settings: TenantSettingsIn | None = None


class TenantIn(TenantPatch):
    id: str = Field(pattern=TENANT_PATTERN)


class TenantOut(BaseModel):
    id: str
    name: str
    settings: dict[str, Any]
    created_at: datetime

    @staticmethod
    def of(t: Tenant) -> TenantOut:
        return TenantOut(id=t.id, name=t.name, settings=t.settings, created_at=t.created_at)


class ApiKeyIn(Strict):
    tenant_id: str | None = Field(default=None, pattern=TENANT_PATTERN)
    name: str | None = Field(default=None, max_length=200)
    roles: list[RoleName] = Field(min_length=1)
    expires_at: datetime | None = None
    expires_in_days: float | None = Field(default=None, gt=0, le=MAX_KEY_DAYS)


class ApiKeyOut(BaseModel):
    id: str
    tenant_id: str
    name: str | None
    prefix: str
    roles: list[str]
    status: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @staticmethod
    def of(k: ApiKey, now: datetime) -> ApiKeyOut:
        return ApiKeyOut(
            id=k.id,
            tenant_id=k.tenant_id,
            name=k.name,
            prefix=k.prefix,
            roles=list(k.roles),
            status=k.status(now),
            created_at=k.created_at,
            expires_at=k.expires_at,
            revoked_at=k.revoked_at,
        )


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the API key itself: shown only in this response")


class ScopeIn(Strict):
    metadata: dict[str, str | int | float | bool] | None = None


def _days() -> Any:
    return Field(default=None, ge=0, le=MAX_DAYS, allow_inf_nan=False)


class RetentionPolicyIn(Strict):
    # A policy needs at least one rule (checked by the service too, naming `rules`).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [rule], "properties": {rule: {"type": "number"}}} for rule in RULES
            ]
        },
    )
    scope: ScopeIn | None = None
    turn_max_age_days: float | None = _days()
    session_idle_days: float | None = _days()
    max_turns_per_session: int | None = Field(default=None, ge=0, le=MAX_TURNS)
    document_max_age_days: float | None = _days()
    include_summaries: bool = False
    enabled: bool = False


def policy_out(p: RetentionPolicy) -> dict[str, Any]:
    return {
        "name": p.name,
        "enabled": p.enabled,
        **p.spec.to_dict(),
        "created_at": p.created_at.isoformat(),
        "updated_at": p.updated_at.isoformat(),
    }
