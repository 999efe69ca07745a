"""The retention tests' world: a real database (SQLite and PostgreSQL), Qdrant Edge,
the bundled embedder, and a clock the tests move."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mcp_service.adapters.db.engine import make_engine
from mcp_service.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from mcp_service.adapters.qdrant_edge import QdrantEdgeStore
from mcp_service.adapters.tokenizer import TiktokenCounter
from mcp_service.services.deps import Deps
from tests.integration.retention.seed import NOW, Clock, World


@pytest.fixture
async def world(database_url: str, tmp_path: Path, real_embedder: object) -> AsyncIterator[World]:
    engine = make_engine(database_url)
    store = QdrantEdgeStore(tmp_path / "qdrant")
    await store.ensure_ready(384)
    clock = Clock(NOW)
    deps = Deps(
        uow=SqlUnitOfWorkFactory(engine),
        vectors=store,
        embedder=real_embedder,  # type: ignore[arg-type]
        counter=TiktokenCounter("gpt-4o"),
        gateway=None,  # type: ignore[arg-type]
        now=clock,
    )
    yield World(deps, engine, clock, store)
    await store.close()
    await engine.dispose()
