"""Alembic environment: async engine, same migrations for PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from mcp_service.adapters.db.engine import make_engine
from mcp_service.adapters.db.tables import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    """The URL given by `mcp-service migrate`, else MCP_DATABASE_URL, else alembic.ini."""
    given = config.attributes.get("url") or os.environ.get("MCP_DATABASE_URL")
    return str(given or config.get_main_option("sqlalchemy.url"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(_url())
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run)
            await conn.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
