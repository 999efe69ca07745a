"""QdrantServerStore against qdrant-client's local mode (no server binary here)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mcp_service.adapters.qdrant_server import QdrantServerStore
from mcp_service.domain.errors import VectorStoreUnavailable
from tests.integration.vector_store_contract import DIM, VectorStoreContract


@pytest.fixture
async def store() -> AsyncIterator[QdrantServerStore]:
    server = QdrantServerStore(location=":memory:", prefix="test")
    await server.ensure_ready(DIM)
    yield server
    await server.close()


class TestQdrantServerStore(VectorStoreContract):
    pass


async def test_an_unreachable_server_is_reported_as_unavailable() -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    server = QdrantServerStore(
        url="http://127.0.0.1:9", prefix="test", timeout_s=2, check_compatibility=False
    )
    with pytest.raises(VectorStoreUnavailable) as caught:
        await server.ensure_ready(DIM)
    assert "127.0.0.1:9" in str(caught.value)
    await server.close()


def test_exactly_one_of_url_and_location_is_required() -> None:
    with pytest.raises(ValueError):
        QdrantServerStore()
    with pytest.raises(ValueError):
        QdrantServerStore(url="http://localhost:6333", location=":memory:")
