"""DELETE /v1/users/{id}: one user of one tenant, gone from the database and the vector
store, with a receipt; other users, other tenants and legal holds are untouched."""

from __future__ import annotations

import hashlib

import httpx
from sqlalchemy import text

from mcp_service.bootstrap import Container
from mcp_service.domain.model import Summary
from mcp_service.domain.retention import erasure_digest_matches
from tests.api.ops.helpers import tenant_keys

TURNS = {
    "turns": [
        {"role": "user", "content": "My phone number is 555-0100."},
        {"role": "assistant", "content": "Thanks, noted."},
    ]
}


async def test_forgetting_a_user_removes_only_that_users_data(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    c = auth_container
    a, b = await tenant_keys(c, "A"), await tenant_keys(c, "B")
    layout = [
        (a, "a-u1-1", "u1", False),
        (a, "a-u1-2", "u1", False),
        (a, "a-u1-held", "u1", True),
        (a, "a-u2", "u2", False),
        (b, "b-u1", "u1", False),
    ]
    for keys, sid, user, held in layout:
        r = await auth_client.post(
            "/v1/sessions",
            json={"id": sid, "user_id": user, "legal_hold": held},
            headers=keys.admin if held else keys.chat,
        )
        assert r.status_code == 201, r.text
        await auth_client.post(f"/v1/sessions/{sid}/turns", json=TURNS, headers=keys.chat)
    await auth_client.post("/v1/sessions/a-u1-1/chat", json={"message": "hi"}, headers=a.chat)
    async with c.deps.uow(write=True) as uow:
        await uow.summaries.add(Summary("A", "a-u1-1", 1, "phone 555-0100", 2, 5, c.deps.now()))
        await uow.commit()
    await c.worker.run_until_idle()
    vectors = c.deps.vectors
    assert await vectors.count_turns("A", session_id="a-u1-1") == 4

    r = await auth_client.delete("/v1/users/u1", headers=a.admin)
    assert r.status_code == 200, r.text
    receipt = r.json()["receipt"]
    assert receipt["kind"] == "user_erasure"
    assert receipt["counts"] == {
        "turns": 6,
        "sessions": 2,
        "documents": 0,
        "summaries": 1,
        "chunks": 0,
    }
    assert receipt["details"]["sessions_on_legal_hold"] == ["a-u1-held"]
    # The user id is not in the receipt, not even as a plain hash one could look up in a
    # dictionary of e-mail addresses: a salted, slow hash that only proves a given id.
    assert "user_id_sha256" not in receipt["details"]
    assert hashlib.sha256(b"u1").hexdigest() not in str(receipt)
    digest = receipt["details"]["user_id_digest"]
    assert digest.startswith("scrypt$") and "u1" not in digest.split("$")
    assert erasure_digest_matches(digest, "u1")
    assert not erasure_digest_matches(digest, "u2")
    assert receipt["details"]["usage_events_detached"] == 1

    for sid in ("a-u1-1", "a-u1-2"):
        assert (await auth_client.get(f"/v1/sessions/{sid}", headers=a.chat)).status_code == 404
        assert await vectors.count_turns("A", session_id=sid) == 0
    async with c.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT tenant_id, session_id FROM turns ORDER BY tenant_id, session_id")
        )
        remaining = sorted({(t, s) for t, s in rows.all()})
        usage = (await conn.execute(text("SELECT user_id, session_id FROM usage_events"))).all()
        summaries = (await conn.execute(text("SELECT count(*) FROM summaries"))).scalar_one()
    assert remaining == [("A", "a-u1-held"), ("A", "a-u2"), ("B", "b-u1")]
    assert [tuple(u) for u in usage] == [(None, None)]  # kept for accounting, detached
    assert summaries == 0
    assert await vectors.count_turns("A", session_id="a-u2") == 2
    assert await vectors.count_turns("A", session_id="a-u1-held") == 2
    assert await vectors.count_turns("B", session_id="b-u1") == 2

    listed = (await auth_client.get("/v1/retention/receipts", headers=a.admin)).json()["items"]
    assert [x["id"] for x in listed] == [receipt["id"]]
    assert (await auth_client.get("/v1/retention/receipts", headers=b.admin)).json()["items"] == []
    again = await auth_client.delete("/v1/users/u1", headers=a.admin)
    assert again.json()["receipt"]["counts"]["sessions"] == 0
    assert (await auth_client.delete("/v1/users/u1", headers=a.chat)).status_code == 403
