"""Which browser origins may call /mcp when auth is disabled (AUDIT LOW-10): the server's
own origin and MCP_ALLOWED_ORIGINS, not any web app on some other localhost port."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mcp_service.config import Settings
from tests.api.mcp.support import make_key
from tests.live_server import LiveServer

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "browser", "version": "1"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}
INSPECTOR = "http://localhost:6274"


@pytest.fixture
def open_live(settings: Settings, real_embedder: object) -> Iterator[LiveServer]:
    configured = settings.model_copy(update={"allowed_origins": [INSPECTOR]})
    with LiveServer(configured, real_embedder) as server:
        yield server


async def status(server: LiveServer, **headers: str) -> int:
    async with httpx.AsyncClient(base_url=server.url) as http:
        r = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **headers})
        return r.status_code


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_without_auth_only_the_own_and_configured_origins_are_served(
    open_live: LiveServer,
) -> None:
    own = open_live.url  # http://127.0.0.1:PORT
    port = own.rsplit(":", 1)[1]
    assert await status(open_live) == 200  # not a browser: no Origin
    assert await status(open_live, Origin=own) == 200
    assert (
        await status(open_live, Host=f"localhost:{port}", Origin=f"http://localhost:{port}") == 200
    )
    assert await status(open_live, Origin=INSPECTOR) == 200  # MCP_ALLOWED_ORIGINS
    assert await status(open_live, Origin="http://localhost:3000") == 403  # another local app
    assert await status(open_live, Origin=f"http://localhost:{port}") == 403  # other host name
    assert await status(open_live, Origin="http://127.0.0.1") == 403
    assert await status(open_live, Origin="null") == 403
    assert await status(open_live, Origin="http://evil.example") == 403
    assert await status(open_live, Host="evil.example", Origin="http://evil.example") == 421
    assert await status(open_live, Host=f"localhost.evil.example:{port}") == 421


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_with_api_keys_the_key_is_the_protection(auth_live: LiveServer) -> None:
    key = await make_key(auth_live.settings, "acme", "chat")
    bearer = f"Bearer {key}"
    assert await status(auth_live, Origin="http://localhost:3000") == 401
    assert await status(auth_live, Origin="http://localhost:3000", Authorization=bearer) == 200
