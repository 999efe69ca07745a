"""Roles per route group, and no /v1 route answers without a key."""

from __future__ import annotations

import re

import httpx

from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container
from tests.api.ops.helpers import tenant_keys

GROUPS: dict[str, list[tuple[str, str, object]]] = {
    "chat": [
        ("POST", "/v1/sessions", {}),
        ("GET", "/v1/sessions", None),
        ("GET", "/v1/sessions/s1", None),
        ("PATCH", "/v1/sessions/s1", {"state": {}}),
        ("DELETE", "/v1/sessions/s1", None),
        ("POST", "/v1/sessions/s1/turns", {"turns": [{"role": "user", "content": "x"}]}),
        ("GET", "/v1/sessions/s1/turns", None),
        ("GET", "/v1/sessions/s1/summary", None),
        ("POST", "/v1/sessions/s1/context", {"message": "x"}),
        ("POST", "/v1/sessions/s1/chat", {"message": "x"}),
    ],
    "ingest": [
        ("POST", "/v1/collections", {"name": "c1"}),
        ("GET", "/v1/collections", None),
        ("GET", "/v1/collections/c1", None),
        ("POST", "/v1/collections/c1/documents", {"documents": [{"text": "x"}]}),
        ("GET", "/v1/collections/c1/documents/d1", None),
        ("DELETE", "/v1/collections/c1/documents/d1", None),
        ("POST", "/v1/collections/c1/search", {"query": "x"}),
        ("DELETE", "/v1/collections/c1", None),
    ],
    "admin": [
        ("POST", "/v1/tenants", {"id": "t2"}),
        ("GET", "/v1/tenants", None),
        ("GET", "/v1/tenants/T", None),
        ("PATCH", "/v1/tenants/T", {"name": "x"}),
        ("POST", "/v1/api-keys", {"roles": ["chat"]}),
        ("GET", "/v1/api-keys", None),
        ("DELETE", "/v1/api-keys/k1", None),
        ("PUT", "/v1/retention-policies/p1", {"turn_max_age_days": 30}),
        ("GET", "/v1/retention-policies", None),
        ("GET", "/v1/retention-policies/p1", None),
        ("POST", "/v1/retention-policies/p1/dry-run", None),
        ("DELETE", "/v1/retention-policies/p1", None),
        ("POST", "/v1/retention/run", None),
        ("GET", "/v1/retention/receipts", None),
        ("DELETE", "/v1/users/u1", None),
        ("GET", "/v1/usage", None),
    ],
}


async def test_each_role_reaches_only_its_route_groups(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    keys = await tenant_keys(auth_container, "system")  # its admin may create tenants
    for role in ("chat", "ingest"):
        for group, calls in GROUPS.items():
            for method, path, body in calls:
                r = await auth_client.request(method, path, json=body, headers=keys.for_role(role))
                if group == role:
                    assert r.status_code not in (401, 403), (role, method, path, r.text)
                else:
                    assert r.status_code == 403, (role, method, path, r.text)
    for calls in GROUPS.values():  # admin implies every role within its tenant
        for method, path, body in calls:
            r = await auth_client.request(method, path, json=body, headers=keys.admin)
            assert r.status_code not in (401, 403), ("admin", method, path, r.text)


async def test_every_v1_route_needs_a_key(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    app = create_app(auth_container.settings, auth_container)
    paths = {p: ops for p, ops in app.openapi()["paths"].items() if p.startswith("/v1")}
    calls = [(m.upper(), p) for p, ops in paths.items() for m in ops]
    assert len(calls) >= sum(len(v) for v in GROUPS.values())
    for method, route in calls:
        path = re.sub(r"\{[^}]+\}", "x", route)
        r = await auth_client.request(method, path, json={})
        assert r.status_code == 401, (method, route, r.text)
