"""SentenceTransformerEmbedder with the bundled all-MiniLM-L6-v2 (no download)."""

from __future__ import annotations

import math

from mcp_service.adapters.embedder import SentenceTransformerEmbedder


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


async def test_the_bundled_model_ranks_close_sentences_above_unrelated_ones(
    real_embedder: object,
) -> None:
    assert isinstance(real_embedder, SentenceTransformerEmbedder)
    embedder = real_embedder
    await embedder.warm()
    assert embedder.dimension == 384

    query = await embedder.embed_query("How do I reset my password?")
    close, unrelated = await embedder.embed(
        ["Steps to change a forgotten account password", "The recipe needs two eggs and flour"]
    )
    assert len(query) == len(close) == len(unrelated) == 384
    assert math.isclose(math.sqrt(_cosine(close, close)), 1.0, rel_tol=1e-4)  # normalized
    assert _cosine(query, close) > _cosine(query, unrelated) + 0.2
    assert await embedder.embed([]) == []


async def test_concurrent_queries_are_batched_and_each_gets_its_own_vector(
    real_embedder: SentenceTransformerEmbedder,
) -> None:
    import asyncio

    texts = [f"question number {i} about topic {i % 3}" for i in range(12)]
    together = await asyncio.gather(*(real_embedder.embed_query(t) for t in texts))
    alone = [await real_embedder.embed_query(t) for t in texts]
    for a, b in zip(together, alone, strict=True):
        assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-4
