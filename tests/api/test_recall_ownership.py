"""User-scope recall follows a session's current owner: after `PATCH user_id` the old
owner's other sessions no longer recall it, and the new owner's do (its vectors are
re-tagged); erasing the new owner removes it with its vectors."""

from __future__ import annotations

import httpx

from mcp_service.bootstrap import Container

SECRET = "My blood type is AB negative, BLOODSECRET"
FILLER = "Let us talk about the weather and the garden today."


async def context_text(client: httpx.AsyncClient, sid: str) -> str:
    body = {"message": "what is my blood type?", "max_context_tokens": 300}
    r = await client.post(f"/v1/sessions/{sid}/context", json=body)
    assert r.status_code == 200, r.text
    return " ".join(m["content"] for m in r.json()["messages"])


async def session(client: httpx.AsyncClient, sid: str, user: str, *contents: str) -> None:
    body = {"id": sid, "user_id": user, "policy": {"recall_scope": "user"}}
    assert (await client.post("/v1/sessions", json=body)).status_code == 201
    turns = [{"role": "user", "content": c} for c in contents]
    assert (
        await client.post(f"/v1/sessions/{sid}/turns", json={"turns": turns})
    ).status_code == 201


async def test_recall_follows_the_current_owner(
    client: httpx.AsyncClient, container: Container
) -> None:
    await session(client, "uy-1", "alice3", SECRET)
    await session(client, "uy-2", "alice3", *[f"{FILLER} ({i})" for i in range(32)])
    await session(client, "uy-3", "bob3", *[f"{FILLER} ({i})" for i in range(32)])
    await container.worker.run_until_idle()
    assert "BLOODSECRET" in await context_text(client, "uy-2")  # alice3's own session
    assert "BLOODSECRET" not in await context_text(client, "uy-3")

    patched = await client.patch("/v1/sessions/uy-1", json={"user_id": "bob3"})
    assert patched.status_code == 200
    assert "BLOODSECRET" not in await context_text(client, "uy-2")  # at once, not later
    await container.worker.run_until_idle()  # re-tags the moved session's vectors
    assert "BLOODSECRET" not in await context_text(client, "uy-2")
    assert "BLOODSECRET" in await context_text(client, "uy-3")

    assert (await client.delete("/v1/users/bob3")).status_code == 200
    assert (await client.get("/v1/sessions/uy-1")).status_code == 404
    assert await container.deps.vectors.count_turns("default", session_id="uy-1") == 0
