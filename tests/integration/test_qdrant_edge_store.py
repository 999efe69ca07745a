"""QdrantEdgeStore: the shared contract, plus what only an on-disk store can show."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mcp_service.adapters.qdrant_edge import QdrantEdgeStore
from mcp_service.domain.errors import VectorStoreMismatch, VectorStoreUnavailable
from tests.integration.vector_store_contract import (
    DIM,
    VectorStoreContract,
    add_chunks,
    add_turns,
    fake_vector,
    make_chunk,
    make_turn,
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[QdrantEdgeStore]:
    edge = QdrantEdgeStore(tmp_path / "vectors")
    await edge.ensure_ready(DIM)
    yield edge
    await edge.close()


class TestQdrantEdgeStore(VectorStoreContract):
    pass


async def test_reopening_the_store_finds_the_data(tmp_path: Path) -> None:
    first = QdrantEdgeStore(tmp_path)
    await first.ensure_ready(DIM)
    chunk = make_chunk("acme", "docs", "d1", 0, "kept across restarts")
    await add_chunks(first, "acme", [chunk])
    await add_turns(first, "acme", [make_turn("acme", "s1", 1, "hello")], "u1")
    await first.close()

    second = QdrantEdgeStore(tmp_path)
    await second.ensure_ready(DIM)
    try:
        hits = await second.search_chunks(
            "acme", fake_vector(chunk.text), chunk.text, collections=None, top_k=5, mode="hybrid"
        )
        assert [h.chunk_id for h in hits] == [chunk.id]
        assert await second.count_turns("acme", session_id="s1") == 1
    finally:
        await second.close()


async def test_reopening_with_another_model_size_names_the_path_and_the_fix(
    tmp_path: Path,
) -> None:
    first = QdrantEdgeStore(tmp_path)
    await first.ensure_ready(DIM)
    await first.close()

    second = QdrantEdgeStore(tmp_path)
    with pytest.raises(VectorStoreMismatch) as caught:
        await second.ensure_ready(384)
    message = str(caught.value)
    assert str(tmp_path / "chunks") in message
    assert "8-dimensional" in message and "384-dimensional" in message
    assert "MCP_DATA_DIR" in message

    # The failed attempt left nothing locked: the right size still opens.
    await second.ensure_ready(DIM)
    await second.close()


async def test_a_store_that_is_not_open_says_so(tmp_path: Path) -> None:
    edge = QdrantEdgeStore(tmp_path)
    with pytest.raises(VectorStoreUnavailable):
        await edge.ping()
    await edge.ensure_ready(DIM)
    await edge.ping()
    await edge.close()
    with pytest.raises(VectorStoreUnavailable):
        await edge.count_chunks("acme")
