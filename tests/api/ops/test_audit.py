"""The audit log: admin actions recorded with who, what and when; refused attempts as
`denied`; readable by the tenant's admins, newest first, page by page; no secrets or
erased user ids in it; untouched by retention and erasure."""

from __future__ import annotations

import base64
import json

import httpx

from mcp_service.bootstrap import Container
from tests.api.ops.helpers import bearer, make_key, tenant_keys


async def test_admin_actions_are_audited(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    root = bearer(await make_key(auth_container, "system", "admin"))
    c = auth_client
    assert (await c.post("/v1/tenants", json={"id": "acme"}, headers=root)).status_code == 201
    made = await c.post(
        "/v1/api-keys", json={"tenant_id": "acme", "roles": ["admin"]}, headers=root
    )
    admin = bearer(made.json()["key"])
    chat = bearer(await make_key(auth_container, "acme", "chat"))
    policy = {"turn_max_age_days": 30, "enabled": False}
    traced = {**admin, "X-Request-Id": "req-audit-1"}
    assert (
        await c.put("/v1/retention-policies/p1", json=policy, headers=traced)
    ).status_code == 201
    assert (await c.put("/v1/retention-policies/p2", json=policy, headers=chat)).status_code == 403
    await c.post("/v1/sessions", json={"id": "s1", "user_id": "dana@example.com"}, headers=chat)
    await c.patch("/v1/sessions/s1", json={"metadata": {"a": 1}}, headers=chat)  # not audited
    hold = await c.patch("/v1/sessions/s1", json={"legal_hold": True}, headers=admin)
    assert hold.status_code == 200
    await c.patch("/v1/sessions/s1", json={"legal_hold": False}, headers=admin)
    erased = await c.delete("/v1/users/dana@example.com", headers=admin)
    assert erased.status_code == 200
    await c.put("/v1/quotas/tenant?tenant_id=acme", json={"tokens_per_day": 9}, headers=root)
    await c.delete("/v1/retention-policies/p1", headers=admin)
    await c.post("/v1/retention/run", headers=admin)

    page = await c.get("/v1/audit", headers=admin)
    assert page.status_code == 200, page.text
    events = page.json()["items"]
    assert [e["action"] for e in events] == [
        "retention.run",
        "retention_policy.delete",
        "quota.put",
        "user.erase",
        "session.legal_hold",
        "session.legal_hold",
        "retention_policy.put",
        "retention_policy.put",
        "api_key.create",
        "tenant.create",
    ]
    by_action = {(e["action"], e["outcome"]): e for e in events}
    put = by_action[("retention_policy.put", "ok")]
    assert put["target"] == "p1" and put["details"]["policy"] == policy
    assert put["request_id"] == "req-audit-1" and put["actor"]["tenant_id"] == "acme"
    denied = by_action[("retention_policy.put", "denied")]
    assert denied["status"] == 403 and denied["actor"]["key_id"] != put["actor"]["key_id"]
    assert by_action[("quota.put", "ok")]["actor"]["tenant_id"] == "system"
    assert by_action[("quota.put", "ok")]["details"] == {"tokens_per_day": 9}
    key_event = by_action[("api_key.create", "ok")]
    assert key_event["target"] == made.json()["id"] and key_event["details"]["roles"] == ["admin"]
    holds = [e["details"]["legal_hold"] for e in events if e["action"] == "session.legal_hold"]
    assert holds == [False, True]
    erase = by_action[("user.erase", "ok")]
    assert erase["target"] == erased.json()["receipt"]["id"]
    everything = json.dumps(events)
    assert made.json()["key"] not in everything  # never a key's secret
    assert "dana@example.com" not in everything  # never the erased user's id
    assert all(e["at"] for e in events)

    first = (await c.get("/v1/audit?limit=3", headers=admin)).json()
    rest = (await c.get(f"/v1/audit?limit=100&cursor={first['next_cursor']}", headers=admin)).json()
    assert [e["id"] for e in first["items"] + rest["items"]] == [e["id"] for e in events]
    for bad in ("²", "9" * 30):  # a digit that is not ASCII, an id past 64 bits: 422, not 500
        cursor = base64.urlsafe_b64encode(bad.encode()).decode()
        refused = await c.get("/v1/audit", params={"cursor": cursor}, headers=admin)
        assert refused.status_code == 422 and refused.json()["field"] == "cursor", refused.text
    only = (await c.get("/v1/audit?action=tenant.create", headers=admin)).json()["items"]
    assert [e["target"] for e in only] == ["acme"]

    other = await tenant_keys(auth_container, "other")
    assert (await c.get("/v1/audit", headers=other.admin)).json()["items"] == []
    assert (await c.get("/v1/audit?tenant_id=acme", headers=other.admin)).status_code == 403
    assert (await c.get("/v1/audit", headers=chat)).status_code == 403
    as_root = (await c.get("/v1/audit?tenant_id=acme", headers=root)).json()["items"]
    assert len(as_root) == len(events)


async def test_retention_and_erasure_leave_the_audit_log_alone(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    acme = await tenant_keys(auth_container, "acme")
    c = auth_client
    policy = {"turn_max_age_days": 0, "session_idle_days": 0, "enabled": True}
    await c.put("/v1/retention-policies/all", json=policy, headers=acme.admin)
    await c.post(
        "/v1/sessions/s/turns",
        json={"turns": [{"role": "user", "content": "x"}]},
        headers=acme.chat,
    )
    before = len((await c.get("/v1/audit", headers=acme.admin)).json()["items"])
    assert (await c.post("/v1/retention/run", headers=acme.admin)).status_code == 200
    assert (await c.delete("/v1/users/u1", headers=acme.admin)).status_code == 200
    after = (await c.get("/v1/audit", headers=acme.admin)).json()["items"]
    assert len(after) == before + 2
