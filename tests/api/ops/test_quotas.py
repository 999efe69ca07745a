"""Quotas per tenant and per key, set over REST: 429 with Retry-After and a problem body
naming the quota; enforced through the database, so two app instances share them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings
from tests.api.ops.helpers import bearer, make_key, tenant_keys
from tests.fake_gateway import FakeGateway


async def test_quotas_are_set_over_rest_by_the_right_admins(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    acme = await tenant_keys(auth_container, "acme")
    other = await tenant_keys(auth_container, "other")
    root = bearer(await make_key(auth_container, "system", "admin"))
    limits = {"tokens_per_day": 1000, "requests_per_minute": 60}
    own = await auth_client.put("/v1/quotas/tenant", json=limits, headers=acme.admin)
    assert own.status_code == 403  # a tenant does not lift its own limit
    made = await auth_client.put("/v1/quotas/tenant?tenant_id=acme", json=limits, headers=root)
    assert made.status_code == 201, made.text
    assert made.json()["scope"] == "tenant" and made.json()["tokens_per_day"] == 1000
    again = await auth_client.put("/v1/quotas/tenant?tenant_id=acme", json=limits, headers=root)
    assert again.status_code == 200
    missing = await auth_client.put("/v1/quotas/tenant?tenant_id=nope", json=limits, headers=root)
    assert missing.status_code == 404
    key_id = (await auth_client.get("/v1/api-keys", headers=acme.admin)).json()["items"][0]["id"]
    per_key = await auth_client.put(
        f"/v1/quotas/keys/{key_id}", json={"requests_per_minute": 5}, headers=acme.admin
    )
    assert per_key.status_code == 201 and per_key.json()["key_id"] == key_id
    foreign = await auth_client.put(
        f"/v1/quotas/keys/{key_id}", json={"requests_per_minute": 5}, headers=other.admin
    )
    assert foreign.status_code == 404  # another tenant's key looks missing
    bad = await auth_client.put("/v1/quotas/tenant", json={"tokens_per_day": -1}, headers=root)
    assert bad.status_code == 422 and "tokens_per_day" in bad.text
    listed = (await auth_client.get("/v1/quotas", headers=acme.admin)).json()
    assert {(q["scope"], q["key_id"]) for q in listed["items"]} == {
        ("tenant", None),
        ("key", key_id),
    }
    assert all(q["used"]["tokens_today"] == 0 for q in listed["items"])
    assert (await auth_client.get("/v1/quotas", headers=acme.chat)).status_code == 403
    gone = await auth_client.delete(f"/v1/quotas/keys/{key_id}", headers=acme.admin)
    assert gone.status_code == 200
    assert len((await auth_client.get("/v1/quotas", headers=acme.admin)).json()["items"]) == 1


async def test_requests_per_minute_of_a_key(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    acme = await tenant_keys(auth_container, "acme")
    limited = await make_key(auth_container, "acme", "chat")
    key_id = (await auth_client.get("/v1/api-keys", headers=acme.admin)).json()["items"]
    key_id = next(k["id"] for k in key_id if limited.startswith(k["prefix"]))
    await auth_client.put(
        f"/v1/quotas/keys/{key_id}", json={"requests_per_minute": 3}, headers=acme.admin
    )
    statuses = [
        (await auth_client.get("/v1/sessions", headers=bearer(limited))).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    refused = await auth_client.get("/v1/sessions", headers=bearer(limited))
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert (problem["quota"], problem["scope"], problem["limit"]) == (
        "requests_per_minute",
        "key",
        3,
    )
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert (await auth_client.get("/v1/sessions", headers=acme.chat)).status_code == 200
    ask = {"messages": [{"role": "user", "content": "hi"}]}
    compat = await auth_client.post(
        "/v1/chat/completions", json=ask, headers={**bearer(limited), "X-Session-Id": "q"}
    )
    assert compat.status_code == 429 and compat.json()["error"]["code"] == "insufficient_quota"


async def test_tokens_per_day_of_a_tenant(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    acme = await tenant_keys(auth_container, "acme")
    root = bearer(await make_key(auth_container, "system", "admin"))
    quota = {"tokens_per_day": 5}
    await auth_client.put("/v1/quotas/tenant?tenant_id=acme", json=quota, headers=root)
    first = await auth_client.post("/v1/sessions/t/chat", json={"message": "hi"}, headers=acme.chat)
    assert first.status_code == 200, first.text  # nothing used yet: allowed, then counted
    second = await auth_client.post(
        "/v1/sessions/t/chat", json={"message": "again"}, headers=acme.chat
    )
    assert second.status_code == 429, second.text
    assert second.json()["quota"] == "tokens_per_day" and second.json()["scope"] == "tenant"
    assert 1 <= int(second.headers["retry-after"]) <= 86_400
    turns = (await auth_client.get("/v1/sessions/t/turns", headers=acme.chat)).json()["items"]
    assert len(turns) == 2  # the refused message was not written
    used = (await auth_client.get("/v1/quotas", headers=acme.admin)).json()["items"][0]["used"]
    assert used["tokens_today"] == first.json()["usage"]["total_tokens"]
    other = await tenant_keys(auth_container, "other")
    ok = await auth_client.post("/v1/sessions/t/chat", json={"message": "hi"}, headers=other.chat)
    assert ok.status_code == 200  # another tenant is not affected


@pytest.fixture
async def two_instances(
    pg_url: str, tmp_path: Path, gateway: FakeGateway, real_embedder: object
) -> AsyncIterator[list[tuple[httpx.AsyncClient, Container]]]:
    """Two app instances (own container, own vector store) on one PostgreSQL database."""
    out: list[tuple[httpx.AsyncClient, Container]] = []
    containers = []
    try:
        for name in ("a", "b"):
            settings = Settings(
                data_dir=tmp_path / name,
                database_url=pg_url,
                llm_base_url=gateway.base_url,
                llm_model="fake-model",
                llm_deadline_s=5.0,
                auth="required",
                _env_file=None,  # type: ignore[call-arg]
            )
            built = await build_container(settings, embedder=real_embedder, run_migrations=False)  # type: ignore[arg-type]
            containers.append(built)
            transport = httpx.ASGITransport(app=create_app(built.settings, built))
            out.append((httpx.AsyncClient(transport=transport, base_url="http://test"), built))
        yield out
    finally:
        for client, _ in out:
            await client.aclose()
        for built in containers:
            await built.aclose()


@pytest.mark.postgres
async def test_quota_exhaustion_across_two_instances_on_one_postgres(
    two_instances: list[tuple[httpx.AsyncClient, Container]],
) -> None:
    (a, a_container), (b, _) = two_instances
    chat = bearer(await make_key(a_container, "acme", "chat"))
    root = bearer(await make_key(a_container, "system", "admin"))
    quota = {"requests_per_minute": 4, "tokens_per_day": 5}
    assert (
        await a.put("/v1/quotas/tenant?tenant_id=acme", json=quota, headers=root)
    ).status_code == 201
    # Tokens: a chat on instance A spends the day's tokens; instance B refuses the next.
    first = await a.post("/v1/sessions/s/chat", json={"message": "hello"}, headers=chat)
    assert first.status_code == 200, first.text
    refused = await b.post("/v1/sessions/s/chat", json={"message": "hello"}, headers=chat)
    assert refused.status_code == 429 and refused.json()["quota"] == "tokens_per_day"
    # Requests: 2 made above; one more on each instance reaches 4; the fifth is refused
    # whichever instance it reaches.
    assert (await a.get("/v1/sessions", headers=chat)).status_code == 200
    assert (await b.get("/v1/sessions", headers=chat)).status_code == 200
    for client in (a, b):
        over = await client.get("/v1/sessions", headers=chat)
        assert over.status_code == 429, over.text
        assert over.json()["quota"] == "requests_per_minute" and over.json()["scope"] == "tenant"
