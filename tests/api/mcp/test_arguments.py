"""MCP tool arguments are checked like the REST API checks the same fields (AUDIT LOW-7):
a clear tool error naming the field, and nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.mcp.support import call, make_key, mcp_client, tool_error
from tests.live_server import LiveServer

BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("append_turn", {"session_id": "", "role": "user", "content": "hi"}, "session_id"),
    ("append_turn", {"session_id": "s" * 201, "role": "user", "content": "hi"}, "session_id"),
    ("append_turn", {"session_id": "nl\n", "role": "user", "content": "hi"}, "session_id"),
    ("append_turn", {"session_id": "a/b", "role": "user", "content": "hi"}, "session_id"),
    ("append_turn", {"session_id": "ok", "role": "user", "content": "a\x00b"}, "content"),
    ("remember_fact", {"session_id": "", "key": "k", "value": "v"}, "session_id"),
    ("remember_fact", {"session_id": "ok", "key": "a\x00b", "value": "v"}, "key"),
    ("remember_fact", {"session_id": "ok", "key": "k", "value": "v\x00"}, "value"),
    ("get_context", {"session_id": "", "message": "hi"}, "session_id"),
    ("get_context", {"session_id": "ok", "message": "a\x00"}, "message"),
    ("get_summary", {"session_id": "x" * 300}, "session_id"),
    ("list_sessions", {"cursor": "\x00"}, "cursor"),
    ("list_sessions", {"user_id": "u\x00"}, "user_id"),
    ("search_knowledge", {"query": "q\x00"}, "query"),
    ("search_knowledge", {"query": "q", "collection": "../etc"}, "collection"),
]


async def test_bad_arguments_are_tool_errors_naming_the_field_and_write_nothing(
    auth_live: LiveServer,
) -> None:
    key = await make_key(auth_live.settings, "acme", "chat", "ingest")
    async with mcp_client(auth_live, key) as client:
        for tool, arguments, field in BAD_CALLS:
            message = await tool_error(client, tool, **arguments)
            assert field in message, (tool, arguments, message)
            assert "Traceback" not in message and "SQL" not in message
        assert (await call(client, "list_sessions"))["sessions"] == []
    async with httpx.AsyncClient(base_url=auth_live.url) as rest:
        listed = await rest.get("/v1/sessions", headers={"Authorization": f"Bearer {key}"})
        assert listed.json()["items"] == []  # no session a REST route could not address


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_id_the_tools_accept_is_one_rest_can_address(auth_live: LiveServer) -> None:
    key = await make_key(auth_live.settings, "acme", "chat")
    session_id = "user@example.com:chat-1.2_x"
    async with mcp_client(auth_live, key) as client:
        await call(client, "append_turn", session_id=session_id, role="user", content="hi")
        fact = await call(client, "remember_fact", session_id=session_id, key="k", value="v")
        assert fact["state"] == {"k": "v"}
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=auth_live.url, headers=headers) as rest:
        assert (await rest.get(f"/v1/sessions/{session_id}")).status_code == 200
        assert (await rest.delete(f"/v1/sessions/{session_id}")).status_code == 200
