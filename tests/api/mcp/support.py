"""Helpers of the MCP tests: API keys, the official client, tool calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.live_server import LiveServer
from tests.live_server import make_key as make_key  # the MCP tests import it from here


@asynccontextmanager
async def mcp_client(server: LiveServer, key: str, **options: Any) -> AsyncIterator[Client]:
    """The official client over streamable HTTP, authenticated with `key`."""
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}) as http,
        Client(streamable_http_client(f"{server.url}/mcp", http_client=http), **options) as c,
    ):
        yield c


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def tool_error(client: Client, tool: str, **arguments: Any) -> str:
    """Call a tool that must fail; return the error text the agent reads."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    return " ".join(getattr(part, "text", "") for part in result.content)
