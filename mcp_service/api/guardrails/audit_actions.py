"""Which admin calls the audit log records, and what it keeps of each: the target and a
few whitelisted, non-secret fields (never a key's secret, never an erased user's id)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

AUDITED: dict[tuple[str, str], str] = {
    ("POST", "/v1/tenants"): "tenant.create",
    ("PATCH", "/v1/tenants/{tenant_id}"): "tenant.update",
    ("POST", "/v1/api-keys"): "api_key.create",
    ("DELETE", "/v1/api-keys/{key_id}"): "api_key.revoke",
    ("PUT", "/v1/retention-policies/{name}"): "retention_policy.put",
    ("DELETE", "/v1/retention-policies/{name}"): "retention_policy.delete",
    ("POST", "/v1/retention/run"): "retention.run",
    ("DELETE", "/v1/users/{user_id}"): "user.erase",
    ("PATCH", "/v1/sessions/{session_id}"): "session.legal_hold",
    ("PUT", "/v1/quotas/tenant"): "quota.put",
    ("DELETE", "/v1/quotas/tenant"): "quota.delete",
    ("PUT", "/v1/quotas/keys/{key_id}"): "quota.put",
    ("DELETE", "/v1/quotas/keys/{key_id}"): "quota.delete",
}
# Paths whose bodies are worth teeing (checked before routing, by prefix).
PREFIXES = (
    "/v1/tenants",
    "/v1/api-keys",
    "/v1/retention",
    "/v1/users/",
    "/v1/sessions/",
    "/v1/quotas",
)


@dataclass(frozen=True)
class Call:
    """What the middleware saw of one audited call."""

    params: dict[str, str]
    query: dict[str, str]
    body: JSON
    response: JSON


@dataclass(frozen=True)
class Described:
    tenant_id: str | None  # the tenant acted on (None: the caller's)
    target: str | None
    details: JSON


def _sorted_keys(value: object) -> list[str]:
    return sorted(value) if isinstance(value, dict) else []


def _tenant_create(c: Call) -> Described:
    settings = c.body.get("settings")
    return Described(
        str(c.body.get("id") or "") or None,
        str(c.body.get("id") or "") or None,
        {"name": c.body.get("name"), "settings": _sorted_keys(settings)},
    )


def _tenant_update(c: Call) -> Described:
    settings = c.body.get("settings")
    details: JSON = {"fields": _sorted_keys(c.body), "settings": _sorted_keys(settings)}
    if isinstance(settings, dict) and "pii_redaction" in settings:
        details["pii_redaction"] = settings["pii_redaction"]
    tenant = c.params.get("tenant_id")
    return Described(tenant, tenant, details)


def _key_create(c: Call) -> Described:
    r = c.response
    details = {k: r.get(k) for k in ("roles", "name", "expires_at", "prefix")}
    return Described(r.get("tenant_id"), r.get("id"), details)


def _key_revoke(c: Call) -> Described:
    key = c.response.get("key")
    tenant = key.get("tenant_id") if isinstance(key, dict) else None
    return Described(tenant, c.params.get("key_id"), {})


def _policy_put(c: Call) -> Described:
    return Described(None, c.params.get("name"), {"policy": c.body})


def _policy_delete(c: Call) -> Described:
    return Described(None, c.params.get("name"), {})


def _retention_run(c: Call) -> Described:
    receipts = c.response.get("receipts")
    ids = (
        [r.get("id") for r in receipts if isinstance(r, dict)] if isinstance(receipts, list) else []
    )
    return Described(None, None, {"receipts": ids})


def _user_erase(c: Call) -> Described:
    receipt = c.response.get("receipt")
    receipt = receipt if isinstance(receipt, dict) else {}
    # The user id is what was erased: the log names the receipt instead.
    return Described(
        None, receipt.get("id"), {"receipt_id": receipt.get("id"), "counts": receipt.get("counts")}
    )


def _legal_hold(c: Call) -> Described | None:
    if "legal_hold" not in c.body:
        return None  # an ordinary session update is not an admin action
    return Described(None, c.params.get("session_id"), {"legal_hold": c.body.get("legal_hold")})


def _quota(c: Call) -> Described:
    target = c.params.get("key_id") or "tenant"
    fields = ("tokens_per_day", "requests_per_minute")
    details: JSON = {k: c.body.get(k) for k in fields if k in c.body}
    return Described(c.response.get("tenant_id") or c.query.get("tenant_id"), target, details)


DESCRIBE: dict[str, Callable[[Call], Described | None]] = {
    "tenant.create": _tenant_create,
    "tenant.update": _tenant_update,
    "api_key.create": _key_create,
    "api_key.revoke": _key_revoke,
    "retention_policy.put": _policy_put,
    "retention_policy.delete": _policy_delete,
    "retention.run": _retention_run,
    "user.erase": _user_erase,
    "session.legal_hold": _legal_hold,
    "quota.put": _quota,
    "quota.delete": _quota,
}
