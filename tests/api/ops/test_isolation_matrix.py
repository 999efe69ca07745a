"""Two tenants, every endpoint: tenant A's keys against tenant B's ids answer 404 (never
data), writes land in A's own namespace, and B's data is untouched afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text

from mcp_service.bootstrap import Container
from mcp_service.domain.model import Summary
from tests.api.ops.helpers import Keys, tenant_keys
from tests.fake_gateway import FakeGateway

SECRETS = ("B-SECRET", "B-ONLY", "B-STATE")


@dataclass
class Seeded:
    doc_id: str
    key_id: str


async def seed_b(client: httpx.AsyncClient, c: Container, b: Keys) -> Seeded:
    r = await client.post(
        "/v1/sessions",
        json={
            "id": "b-s",
            "user_id": "b-user",
            "metadata": {"tag": "B-ONLY"},
            "state": {"fav": "B-STATE"},
        },
        headers=b.chat,
    )
    assert r.status_code == 201, r.text
    turns = [
        {"role": "user", "content": "B-SECRET-TURN: the vault code is 4711."},
        {"role": "assistant", "content": "Noted, B-SECRET-TURN stored."},
    ]
    r = await client.post("/v1/sessions/b-s/turns", json={"turns": turns}, headers=b.chat)
    assert r.status_code == 201, r.text
    r = await client.post(
        "/v1/sessions/b-s/chat", json={"message": "B-SECRET-CHAT"}, headers=b.chat
    )
    assert r.status_code == 200, r.text
    async with c.deps.uow(write=True) as uow:
        await uow.summaries.add(Summary("B", "b-s", 1, "B-SECRET-SUMMARY", 2, 4, c.deps.now()))
        await uow.commit()
    doc = {"external_id": "vault", "text": "B-SECRET-DOC: the vault code is 4711 for B."}
    r = await client.post(
        "/v1/collections/b-docs/documents", json={"documents": [doc]}, headers=b.ingest
    )
    assert r.status_code == 201, r.text
    doc_id = r.json()["documents"][0]["id"]
    policy = {"turn_max_age_days": 1000, "enabled": True}
    r = await client.put("/v1/retention-policies/b-pol", json=policy, headers=b.admin)
    assert r.status_code == 201, r.text
    r = await client.post("/v1/retention/run", headers=b.admin)
    assert r.status_code == 200 and len(r.json()["receipts"]) == 1, r.text
    keys = (await client.get("/v1/api-keys", headers=b.admin)).json()["items"]
    await c.worker.run_until_idle()
    return Seeded(doc_id, keys[0]["id"])


async def b_snapshot(client: httpx.AsyncClient, c: Container, b: Keys, s: Seeded) -> dict[str, Any]:
    turns = (await client.get("/v1/sessions/b-s/turns", headers=b.chat)).json()["items"]
    return {
        "session": (await client.get("/v1/sessions/b-s", headers=b.chat)).json()["state"],
        "turns": [t["content"] for t in turns],
        "summary": (await client.get("/v1/sessions/b-s/summary", headers=b.chat)).json()["content"],
        "doc": (
            await client.get(f"/v1/collections/b-docs/documents/{s.doc_id}", headers=b.ingest)
        ).status_code,
        "policy": (await client.get("/v1/retention-policies/b-pol", headers=b.admin)).json()[
            "turn_max_age_days"
        ],
        "receipts": len(
            (await client.get("/v1/retention/receipts", headers=b.admin)).json()["items"]
        ),
        "key_ok": (await client.get("/v1/api-keys", headers=b.admin)).status_code,
        "turn_vectors": await c.deps.vectors.count_turns("B", session_id="b-s"),
        "chunk_vectors": await c.deps.vectors.count_chunks("B", document_id=s.doc_id),
    }


def matrix(s: Seeded) -> list[tuple[str, str, str, Any, int]]:
    """(role, method, path, body, status) for A's keys aimed at B's ids."""
    doc = s.doc_id
    return [
        ("chat", "GET", "/v1/sessions/b-s", None, 404),
        ("chat", "GET", "/v1/sessions/b-s/turns", None, 404),
        ("chat", "GET", "/v1/sessions/b-s/summary", None, 404),
        ("chat", "PATCH", "/v1/sessions/b-s", {"state": {"x": 1}}, 404),
        ("chat", "DELETE", "/v1/sessions/b-s", None, 404),
        ("chat", "GET", "/v1/sessions?user_id=b-user", None, 200),
        ("chat", "GET", "/v1/sessions", None, 200),
        ("chat", "POST", "/v1/sessions/b-s/context", {"message": "What is the vault code?"}, 200),
        ("chat", "GET", "/v1/sessions/b-s/turns/3", None, 404),
        ("chat", "GET", "/v1/sessions/b-s/turns?order=desc", None, 404),
        ("chat", "GET", "/v1/sessions?q=b-&include=memory&order=recent", None, 200),
        ("chat", "GET", '/v1/sessions?metadata={"tag":"B-ONLY"}', None, 200),
        ("chat", "GET", "/v1/whoami", None, 200),
        ("ingest", "GET", "/v1/collections/b-docs", None, 404),
        ("ingest", "GET", f"/v1/collections/b-docs/documents/{doc}", None, 404),
        ("ingest", "GET", f"/v1/collections/a-docs/documents/{doc}", None, 404),
        ("ingest", "DELETE", f"/v1/collections/a-docs/documents/{doc}", None, 404),
        ("ingest", "DELETE", f"/v1/collections/b-docs/documents/{doc}", None, 404),
        ("ingest", "POST", "/v1/collections/b-docs/search", {"query": "vault code"}, 404),
        ("ingest", "POST", "/v1/collections/a-docs/search", {"query": "B-SECRET vault"}, 200),
        ("ingest", "DELETE", "/v1/collections/b-docs", None, 404),
        ("ingest", "GET", "/v1/collections", None, 200),
        ("ingest", "GET", "/v1/collections/b-docs/documents", None, 404),
        ("ingest", "GET", f"/v1/collections/b-docs/documents/{doc}/chunks", None, 404),
        ("ingest", "GET", f"/v1/collections/a-docs/documents/{doc}/chunks", None, 404),
        ("ingest", "GET", "/v1/jobs", None, 200),
        ("admin", "GET", "/v1/retention-policies/b-pol", None, 404),
        ("admin", "POST", "/v1/retention-policies/b-pol/dry-run", None, 404),
        ("admin", "DELETE", "/v1/retention-policies/b-pol", None, 404),
        ("admin", "GET", "/v1/retention-policies", None, 200),
        ("admin", "GET", "/v1/retention/receipts", None, 200),
        ("admin", "DELETE", f"/v1/api-keys/{s.key_id}", None, 404),
        ("admin", "GET", "/v1/api-keys?tenant_id=B", None, 403),
        ("admin", "POST", "/v1/api-keys", {"tenant_id": "B", "roles": ["admin"]}, 403),
        ("admin", "GET", "/v1/tenants/B", None, 404),
        ("admin", "PATCH", "/v1/tenants/B", {"name": "mine now"}, 404),
        ("admin", "POST", "/v1/tenants", {"id": "C"}, 403),
        ("admin", "GET", "/v1/usage?group_by=session", None, 200),
        ("admin", "GET", "/v1/usage?group_by=user", None, 200),
        ("admin", "GET", "/v1/usage?group_by=model&top=5", None, 200),
        ("admin", "GET", "/v1/jobs/queue", None, 200),
        ("admin", "DELETE", "/v1/users/b-user", None, 200),
        ("admin", "POST", "/v1/retention/run", None, 200),
        # Writes to B's ids land in A's own namespace (ids are per tenant).
        ("chat", "POST", "/v1/sessions", {"id": "b-s"}, 201),
        (
            "chat",
            "POST",
            "/v1/sessions/b-s/turns",
            {"turns": [{"role": "user", "content": "hi"}]},
            201,
        ),
        ("chat", "POST", "/v1/sessions/b-s/chat", {"message": "What is the vault code?"}, 200),
        (
            "ingest",
            "POST",
            "/v1/collections/b-docs/documents",
            {"documents": [{"text": "A doc"}]},
            201,
        ),
        ("admin", "PUT", "/v1/retention-policies/b-pol", {"session_idle_days": 1}, 201),
    ]


async def test_tenant_a_never_sees_or_changes_tenant_b(
    auth_client: httpx.AsyncClient, auth_container: Container, gateway: FakeGateway
) -> None:
    client, c = auth_client, auth_container
    a, b = await tenant_keys(c, "A"), await tenant_keys(c, "B")
    seeded = await seed_b(client, c, b)
    r = await client.post(
        "/v1/collections/a-docs/documents",
        json={"documents": [{"text": "A's handbook: lunch is at noon."}]},
        headers=a.ingest,
    )
    assert r.status_code == 201
    before = await b_snapshot(client, c, b, seeded)
    assert before["turn_vectors"] == 4 and before["chunk_vectors"] >= 1

    calls = len(gateway.requests)
    for role, method, path, body, status in matrix(seeded):
        r = await client.request(method, path, json=body, headers=a.for_role(role))
        assert r.status_code == status, (role, method, path, r.text)
        assert not any(secret in r.text for secret in SECRETS), (method, path, r.text)
    # The OpenAI-compatible endpoint and the job status endpoint, the same way.
    compat = await client.post(
        "/v1/chat/completions",
        json={"model": "fake-model", "messages": [{"role": "user", "content": "The code?"}]},
        headers={**a.chat, "X-Session-Id": "b-s"},
    )
    assert compat.status_code == 200, compat.text
    async with c.engine.connect() as conn:
        b_job = (
            await conn.execute(text("SELECT id FROM jobs WHERE tenant_id = 'B' LIMIT 1"))
        ).scalar_one()
    assert (await client.get(f"/v1/jobs/{b_job}", headers=a.admin)).status_code == 404
    assert (await client.get(f"/v1/jobs/{b_job}", headers=b.admin)).status_code == 200
    assert b_job not in (await client.get("/v1/jobs?limit=200", headers=a.admin)).text
    assert b_job in (await client.get("/v1/jobs?limit=200", headers=b.admin)).text
    assert not any(secret in compat.text for secret in SECRETS)
    for request in gateway.requests[calls:]:
        assert not any(secret in str(request) for secret in SECRETS)

    assert await b_snapshot(client, c, b, seeded) == before
    own = await client.get("/v1/sessions/b-s/turns", headers=a.chat)
    assert [t["seq"] for t in own.json()["items"]] == [1, 2, 3, 4, 5]  # A's own
    assert (await client.get("/v1/retention-policies/b-pol", headers=a.admin)).json()[
        "session_idle_days"
    ] == 1
