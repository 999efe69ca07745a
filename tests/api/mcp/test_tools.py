"""The official `mcp` client against /mcp: same API keys as REST, every tool callable."""

from __future__ import annotations

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.api.mcp.support import call, make_key
from tests.live_server import LiveServer

TOOLS = {
    "search_knowledge",
    "get_context",
    "append_turn",
    "remember_fact",
    "list_sessions",
    "get_summary",
}


async def test_agent_uses_every_tool_with_an_api_key(auth_live: LiveServer) -> None:
    settings = auth_live.settings
    key = await make_key(settings, "acme", "chat", "ingest")
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=auth_live.url, headers=headers) as rest:
        doc = {"documents": [{"title": "Vacation", "text": "Vacation days expire on March 31."}]}
        assert (await rest.post("/v1/collections/hr/documents", json=doc)).status_code == 201
        anonymous = await rest.post("/mcp", json={}, headers={"Authorization": ""})
        assert anonymous.status_code == 401

    url = f"{auth_live.url}/mcp"
    async with (
        httpx2.AsyncClient(headers=headers) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        listed = await client.list_tools()
        assert {t.name for t in listed.tools} == TOOLS
        assert all(len(t.description or "") > 80 for t in listed.tools)

        appended = await call(
            client, "append_turn", session_id="m1", role="user", content="Launch is Friday."
        )
        assert appended == {"session_id": "m1", "seq": 1}
        fact = await call(client, "remember_fact", session_id="m1", key="team", value="payments")
        assert fact["state"] == {"team": "payments"}
        ctx = await call(client, "get_context", session_id="m1", message="When is the launch?")
        contents = [m["content"] for m in ctx["messages"]]
        assert "Launch is Friday." in contents and any("team: payments" in c for c in contents)
        assert ctx["report"]["total_tokens"] > 0
        found = await call(client, "search_knowledge", query="when do vacation days expire")
        assert "March 31" in found["results"][0]["text"]
        one = await call(client, "search_knowledge", query="vacation", collection="hr", top_k=1)
        assert len(one["results"]) == 1
        sessions = await call(client, "list_sessions")
        assert [s["id"] for s in sessions["sessions"]] == ["m1"]
        summary = await call(client, "get_summary", session_id="m1")
        assert summary == {"session_id": "m1", "summary": None}
        missing = await client.call_tool("search_knowledge", {"query": "x", "collection": "nope"})
        assert missing.is_error and "nope" in str(missing.content)

    other = await make_key(settings, "globex", "chat")
    async with (
        httpx2.AsyncClient(headers={"X-API-Key": other}) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        assert (await call(client, "list_sessions"))["sessions"] == []  # another tenant's


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_without_auth_the_default_tenant_is_used_from_loopback_only(
    live: LiveServer,
) -> None:
    async with Client(f"{live.url}/mcp") as client:
        await call(client, "append_turn", session_id="open", role="user", content="Hello")
        listed = await call(client, "list_sessions")
        assert [s["id"] for s in listed["sessions"]] == ["open"]
    async with httpx.AsyncClient(base_url=live.url) as http:
        turns = (await http.get("/v1/sessions/open/turns")).json()["items"]
        assert [t["content"] for t in turns] == ["Hello"]  # the same default tenant as REST
        rebound = await http.post("/mcp", json={}, headers={"Host": "evil.example:80"})
        assert rebound.status_code in (400, 403, 421)
