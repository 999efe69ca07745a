"""Fixtures of the integration tests: the memory pipeline on real engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mcp_service.adapters.db.engine import make_engine
from mcp_service.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from mcp_service.adapters.qdrant_edge import QdrantEdgeStore
from mcp_service.adapters.tokenizer import TiktokenCounter
from mcp_service.services.conversation.summarizers import ExtractiveSummarizer
from mcp_service.services.deps import Deps, ServiceConfig


@pytest.fixture
async def deps(database_url: str, tmp_path: Path, real_embedder: object) -> AsyncIterator[Deps]:
    engine = make_engine(database_url)
    store = QdrantEdgeStore(tmp_path / "qdrant")
    await store.ensure_ready(384)
    counter = TiktokenCounter("gpt-4o")
    d = Deps(
        uow=SqlUnitOfWorkFactory(engine),
        vectors=store,
        embedder=real_embedder,  # type: ignore[arg-type]
        counter=counter,
        gateway=None,  # type: ignore[arg-type]
        summarizer=ExtractiveSummarizer(real_embedder, counter),  # type: ignore[arg-type]
        config=ServiceConfig(summary_trigger_turns=24, summary_keep_turns=12),
    )
    yield d
    await store.close()
    await engine.dispose()
