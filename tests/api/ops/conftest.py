"""Fixtures for the operations tests: the app with MCP_AUTH=required."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings

RATE_LIMIT = 100_000  # high enough for the matrix; limit tests build their own app


@pytest.fixture
def auth_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth": "required", "rate_limit_per_minute": RATE_LIMIT})


@pytest.fixture
async def auth_container(
    auth_settings: Settings, real_embedder: object
) -> AsyncIterator[Container]:
    built = await build_container(auth_settings, embedder=real_embedder, run_migrations=False)  # type: ignore[arg-type]
    yield built
    await built.aclose()


@pytest.fixture
async def auth_client(auth_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(auth_container.settings, auth_container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c
