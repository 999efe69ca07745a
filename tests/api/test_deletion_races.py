"""Deleting a session or a user while a reply is being generated: the reply is dropped
(the client is told), and the session does not come back without its owner."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.api.test_streaming import events
from tests.fake_gateway import FakeGateway


async def held_chat(
    client: httpx.AsyncClient, gateway: FakeGateway, sid: str, body: dict[str, Any]
) -> asyncio.Task[httpx.Response]:
    """Start a chat whose reply the gateway holds; return once the gateway has it."""
    gateway.queue("hold")
    task = asyncio.create_task(client.post(f"/v1/sessions/{sid}/chat", json=body))
    assert await asyncio.to_thread(gateway.holding.wait, 30)
    return task


async def test_deleting_the_session_mid_reply_drops_the_reply(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    created = await client.post("/v1/sessions", json={"id": "resurrect", "user_id": "frank"})
    assert created.status_code == 201
    task = await held_chat(client, gateway, "resurrect", {"message": "RESURRECT question"})
    assert (await client.delete("/v1/sessions/resurrect")).status_code == 200
    gateway.release.set()
    answer = await task
    assert answer.status_code == 409, answer.text
    assert answer.json()["field"] == "session_id"
    assert (await client.get("/v1/sessions/resurrect")).status_code == 404  # not brought back


async def test_erasing_the_user_mid_reply_drops_the_reply(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    created = await client.post("/v1/sessions", json={"id": "resurrect2", "user_id": "gina"})
    assert created.status_code == 201
    task = await held_chat(client, gateway, "resurrect2", {"message": "GINA private question"})
    erased = await client.delete("/v1/users/gina")
    assert erased.status_code == 200 and erased.json()["receipt"]["counts"]["sessions"] == 1
    gateway.release.set()
    assert (await task).status_code == 409
    assert (await client.get("/v1/sessions/resurrect2")).status_code == 404
    sessions = (await client.get("/v1/sessions")).json()["items"]
    assert "resurrect2" not in [s["id"] for s in sessions]


async def test_a_stream_whose_session_was_deleted_ends_with_an_error_event(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    gateway.reply = "a long streamed answer"
    body = {"message": "stream me", "stream": True}
    task = await held_chat(client, gateway, "gone-stream", body)
    assert (await client.delete("/v1/sessions/gone-stream")).status_code == 200
    gateway.release.set()
    r = await task
    assert r.status_code == 200  # the stream had begun
    got = events(r.text)
    assert got[-1] == "[DONE]"
    assert "error" in got[-2] and "deleted" in got[-2]["error"]["message"]
    assert not any(isinstance(e, dict) and e.get("object") == "mcp.chat.result" for e in got)
    assert (await client.get("/v1/sessions/gone-stream")).status_code == 404


async def test_a_brand_new_session_is_still_created_by_its_first_chat(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post("/v1/sessions/brand-new/chat", json={"message": "hello"})
    assert r.status_code == 200
    items = (await client.get("/v1/sessions/brand-new/turns")).json()["items"]
    assert [t["role"] for t in items] == ["user", "assistant"]


async def test_the_proxy_stream_says_so_when_its_session_was_deleted(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    gateway.reply = "a long streamed answer"
    gateway.queue("hold")
    body = {"model": "fake-model", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    headers = {"X-Session-Id": "gone-proxy"}
    task = asyncio.create_task(client.post("/v1/chat/completions", json=body, headers=headers))
    assert await asyncio.to_thread(gateway.holding.wait, 30)
    assert (await client.delete("/v1/sessions/gone-proxy")).status_code == 200
    gateway.release.set()
    r = await task
    got = events(r.text)
    assert got[-1] == "[DONE]"
    assert "error" in got[-2] and "deleted" in got[-2]["error"]["message"]
    assert (await client.get("/v1/sessions/gone-proxy")).status_code == 404
