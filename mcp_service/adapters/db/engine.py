"""Engine creation and migrations (Alembic) for PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ROOT = Path(__file__).resolve().parents[3]


class DatabaseNotReady(RuntimeError):
    """The database cannot serve this version: unreachable, or not at the migrations'
    head. The message is one line that says what to do."""


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        if ":///" in url and not url.endswith(":memory:"):
            Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    sqlite_pragmas(dbapi_conn, busy_timeout_ms=30_000)


def sqlite_pragmas(dbapi_conn: object, *, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, a busy timeout and NORMAL sync on a new SQLite connection."""
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    return cfg


async def migrate(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` (Alembic runs its own event loop in a thread)."""
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


async def schema_revisions(url: str, *, timeout_s: float = 15.0) -> tuple[str | None, str | None]:
    """(the database's revision, the migrations' head); raises if the database cannot be
    reached within `timeout_s`."""
    engine = make_engine(url, pool_size=1)
    try:
        current = await asyncio.wait_for(current_revision(engine), timeout_s)
    finally:
        await engine.dispose()
    return current, head_revision(url)


async def prepare_schema(url: str, *, upgrade: bool) -> None:
    """Migrate to the head, or check that the database is there: `DatabaseNotReady`, with
    one line that says what to do, when it is not (or cannot be reached)."""
    if upgrade:
        await migrate(url)
        return
    try:
        current, head = await schema_revisions(url)
    except Exception as exc:  # unreachable or refused: say so in one line, not a traceback
        raise DatabaseNotReady(
            f"cannot reach the database {display_url(url)}: {type(exc).__name__}: {exc}"
        ) from exc
    if current != head:
        raise DatabaseNotReady(
            f"the database {display_url(url)} is at migration {current or 'none (empty)'}, "
            f"not at {head}: run `mcp-service migrate` first "
            "(or start with `serve --migrate` or MCP_AUTO_MIGRATE=true)"
        )


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(read)
