"""The ASGI app with real adapters (DB, Qdrant Edge, model, tokenizer) and a fake gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings
from tests.fake_gateway import FakeGateway
from tests.live_server import LiveServer


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with FakeGateway(reply="Noted.") as gw:
        yield gw


@pytest.fixture
def settings(tmp_path: Path, database_url: str, gateway: FakeGateway) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        llm_base_url=gateway.base_url,
        llm_model="fake-model",
        llm_deadline_s=5.0,
        llm_read_timeout_s=3.0,
        auth="disabled",
        allowed_hosts=["test"],  # the ASGI test clients' host name (http://test)
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def container(settings: Settings, real_embedder: object) -> AsyncIterator[Container]:
    built = await build_container(settings, embedder=real_embedder, run_migrations=False)  # type: ignore[arg-type]
    yield built
    await built.aclose()


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container.settings, container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
def live(settings: Settings, real_embedder: object) -> Iterator[LiveServer]:
    """The service on a real uvicorn (loopback, background thread) with its own container.
    Do not combine with `container`/`client`: both would open the same vector store."""
    with LiveServer(settings, real_embedder) as server:
        yield server
