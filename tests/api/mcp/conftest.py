"""Fixtures of the MCP tests: the service on a real uvicorn with API keys required."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mcp_service.config import Settings
from tests.live_server import LiveServer


@pytest.fixture
def auth_live(settings: Settings, real_embedder: object) -> Iterator[LiveServer]:
    required = settings.model_copy(update={"auth": "required"})
    with LiveServer(required, real_embedder) as server:
        yield server
