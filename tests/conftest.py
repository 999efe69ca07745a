"""Shared fixtures: fresh databases (SQLite and PostgreSQL), the real embedder once."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

PG_HOST = os.environ.get("MCP_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")
# One template per pytest process: concurrent runs on one machine must not drop each other's.
TEMPLATE = f"mcp_test_template_{os.getpid()}"


def _pg_sync(sql: str, db: str = "postgres") -> None:
    import asyncpg

    async def run() -> None:
        dsn = PG_HOST.replace("postgresql+asyncpg", "postgresql") + f"/{db}"
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database; each test clones it (fast, and always fresh)."""
    from alembic import command

    from mcp_service.adapters.db.engine import alembic_config

    _pg_sync(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
    _pg_sync(f"CREATE DATABASE {TEMPLATE}")
    command.upgrade(alembic_config(f"{PG_HOST}/{TEMPLATE}"), "head")
    yield TEMPLATE
    _pg_sync(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    name = f"mcp_test_{uuid.uuid4().hex[:12]}"
    _pg_sync(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    yield f"{PG_HOST}/{name}"
    _pg_sync(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """A PostgreSQL database with no schema at all (never migrated)."""
    name = f"mcp_test_empty_{uuid.uuid4().hex[:12]}"
    _pg_sync(f"CREATE DATABASE {name}")
    yield f"{PG_HOST}/{name}"
    _pg_sync(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    from alembic import command

    from mcp_service.adapters.db.engine import alembic_config

    url = f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL, each freshly migrated."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
async def uow_factory(database_url: str) -> AsyncIterator[object]:
    from mcp_service.adapters.db.engine import make_engine
    from mcp_service.adapters.db.unit_of_work import SqlUnitOfWorkFactory

    engine = make_engine(database_url)
    yield SqlUnitOfWorkFactory(engine)
    await engine.dispose()


_EMBEDDER: object | None = None


@pytest.fixture
def real_embedder() -> object:
    """The bundled all-MiniLM-L6-v2 on the default (ONNX Runtime) backend, exported and
    loaded once for the whole run."""
    global _EMBEDDER
    if _EMBEDDER is None:
        from mcp_service.adapters.onnx_embedder import OnnxEmbedder

        cache = tempfile.mkdtemp(prefix="mcp-models-")
        atexit.register(shutil.rmtree, cache, ignore_errors=True)
        _EMBEDDER = OnnxEmbedder(None, cache_dir=Path(cache))
    return _EMBEDDER
