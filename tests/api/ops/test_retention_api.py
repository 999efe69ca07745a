"""Retention policies over REST: validation, CRUD, dry run, run, receipts."""

from __future__ import annotations

import httpx
import pytest

from mcp_service.bootstrap import Container
from tests.api.ops.helpers import bearer, make_key

INVALID = [
    ({"turn_max_age_days": -1}, "turn_max_age_days"),
    ({"session_idle_days": -0.5}, "session_idle_days"),
    ({"max_turns_per_session": -3}, "max_turns_per_session"),
    ({"document_max_age_days": "soon"}, "document_max_age_days"),
    ({"turn_max_age_days": 30, "delete_everything": True}, "delete_everything"),
    ({"turn_max_age_days": 30, "scope": {}}, "scope"),
    ({"turn_max_age_days": 30, "scope": {"metadata": {}}}, "scope.metadata"),
    ({"turn_max_age_days": 30, "scope": {"tenant": "x"}}, "scope.tenant"),
    ({"turn_max_age_days": 30, "scope": {"metadata": {"a": [1]}}}, "scope.metadata.a"),
    ({"turn_max_age_days": 30, "scope": {"metadata": {"bad key": 1}}}, "scope.metadata"),
    ({"enabled": True}, "rules"),
    ({}, "rules"),
    ({"turn_max_age_days": 4_000_000}, "turn_max_age_days"),
    ({"max_turns_per_session": 2**63}, "max_turns_per_session"),
]


@pytest.fixture
async def admin(auth_container: Container) -> dict[str, str]:
    return bearer(await make_key(auth_container, "acme", "admin"))


async def test_invalid_policies_are_422_naming_the_field(
    auth_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for body, field in INVALID:
        r = await auth_client.put("/v1/retention-policies/p", json=body, headers=admin)
        assert r.status_code == 422, (body, r.text)
        problem = r.json()
        fields = [problem.get("field")] + [e["field"] for e in problem.get("errors", [])]
        assert any(f and f.startswith(field) for f in fields), (body, problem)
    listed = await auth_client.get("/v1/retention-policies", headers=admin)
    assert listed.json()["items"] == []  # nothing written
    bad_name = await auth_client.put(
        "/v1/retention-policies/..", json={"turn_max_age_days": 1}, headers=admin
    )
    assert bad_name.status_code in (404, 422)


async def test_out_of_range_numbers_are_422_not_500(
    auth_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    headers = {**admin, "content-type": "application/json"}
    for raw, field in [
        ('{"turn_max_age_days": 1e400}', "turn_max_age_days"),  # inf once parsed
        ('{"session_idle_days": 1e400, "enabled": true}', "session_idle_days"),
    ]:
        r = await auth_client.put("/v1/retention-policies/p", content=raw, headers=headers)
        assert r.status_code == 422, (raw, r.text)
        assert field in r.text
    long = await auth_client.put(
        "/v1/retention-policies/keep", json={"turn_max_age_days": 1_000_000}, headers=admin
    )
    assert long.status_code == 201, long.text
    dry = await auth_client.post("/v1/retention-policies/keep/dry-run", headers=admin)
    assert dry.status_code == 200, dry.text
    assert dry.json()["turns"] == 0
    assert dry.json()["time_range"]["turns_before"].startswith("0001-01-01")


async def test_policy_crud_dry_run_run_and_receipts(
    auth_client: httpx.AsyncClient, admin: dict[str, str], auth_container: Container
) -> None:
    body = {"scope": {"metadata": {"app": "support"}}, "turn_max_age_days": 30}
    created = await auth_client.put("/v1/retention-policies/support", json=body, headers=admin)
    assert created.status_code == 201, created.text
    policy = created.json()
    assert policy["enabled"] is False and policy["scope"] == {"metadata": {"app": "support"}}
    assert policy["turn_max_age_days"] == 30 and policy["session_idle_days"] is None
    body["enabled"] = True
    replaced = await auth_client.put("/v1/retention-policies/support", json=body, headers=admin)
    assert replaced.status_code == 200 and replaced.json()["enabled"] is True
    assert replaced.json()["created_at"] == policy["created_at"]
    got = await auth_client.get("/v1/retention-policies/support", headers=admin)
    assert got.json() == replaced.json()

    chat = bearer(await make_key(auth_container, "acme", "chat"))
    turns = [
        {"role": "user", "content": "old question", "created_at": "2020-01-01T00:00:00Z"},
        {"role": "assistant", "content": "old answer", "created_at": "2020-01-01T00:00:05Z"},
        {"role": "user", "content": "new question"},
    ]
    await auth_client.post(
        "/v1/sessions", json={"id": "s", "metadata": {"app": "support"}}, headers=chat
    )
    await auth_client.post("/v1/sessions/s/turns", json={"turns": turns}, headers=chat)
    await auth_client.post("/v1/sessions/t/turns", json={"turns": turns}, headers=chat)

    dry = await auth_client.post("/v1/retention-policies/support/dry-run", headers=admin)
    assert dry.status_code == 200, dry.text
    counts = {k: dry.json()[k] for k in ("turns", "sessions", "documents", "summaries")}
    assert counts == {"turns": 2, "sessions": 0, "documents": 0, "summaries": 0}
    assert dry.json()["time_range"]["turns_before"]
    assert len((await auth_client.get("/v1/sessions/s/turns", headers=chat)).json()["items"]) == 3

    runs = []
    for _ in range(3):
        r = await auth_client.post("/v1/retention/run", headers=admin)
        assert r.status_code == 200, r.text
        runs.extend(r.json()["receipts"])
    assert runs[0]["counts"]["turns"] == 2 and runs[0]["policy"] == "support"
    assert runs[0]["time_range"]["turns_before"] and runs[0]["duration_ms"] >= 0
    assert [x["counts"]["turns"] for x in runs[1:]] == [0, 0]
    left = (await auth_client.get("/v1/sessions/s/turns", headers=chat)).json()["items"]
    assert [t["content"] for t in left] == ["new question"]
    out_of_scope = (await auth_client.get("/v1/sessions/t/turns", headers=chat)).json()["items"]
    assert len(out_of_scope) == 3

    page1 = (await auth_client.get("/v1/retention/receipts?limit=2", headers=admin)).json()
    assert len(page1["items"]) == 2 and page1["next_cursor"]
    page2 = (
        await auth_client.get(
            f"/v1/retention/receipts?limit=2&cursor={page1['next_cursor']}", headers=admin
        )
    ).json()
    assert len(page2["items"]) == 1 and page2["next_cursor"] is None
    seen = [x["id"] for x in page1["items"] + page2["items"]]
    assert sorted(seen) == sorted(x["id"] for x in runs)

    gone = await auth_client.delete("/v1/retention-policies/support", headers=admin)
    assert gone.status_code == 200
    assert (
        await auth_client.get("/v1/retention-policies/support", headers=admin)
    ).status_code == 404
    again = await auth_client.delete("/v1/retention-policies/support", headers=admin)
    assert again.status_code == 404
    dry_gone = await auth_client.post("/v1/retention-policies/support/dry-run", headers=admin)
    assert dry_gone.status_code == 404
