"""SQLite statements run inline on the event loop instead of through aiosqlite's thread.

A SQLite statement on a local WAL file takes microseconds; handing it to aiosqlite's
thread and back costs far more (measured here: 330–400 µs of CPU per statement through
the async engine vs. ~20 µs with the synchronous driver), and under load each hand-off
also waits for the event loop to come round again. So on SQLite each unit of work runs
on a synchronous SQLAlchemy `Session` whose calls are made directly from the loop.

What keeps this from stalling the loop:
- WAL mode: readers never wait for the writer.
- Writers in this process already queue on an asyncio lock (`SqlUnitOfWork`); a write
  transaction starts with `BEGIN IMMEDIATE`, which takes SQLite's write lock up front
  without waiting (busy timeout 0 for that statement) and is retried with `await
  asyncio.sleep` while another process holds it (the CLI, say). Once it holds the lock,
  no later statement in the transaction can be refused for locking.
- Other statements keep a short busy timeout (`BUSY_TIMEOUT_MS`) for SQLite's rare
  transient locks (WAL recovery after a crash).
- The connection pool never blocks: a blocking pool wait on the loop would deadlock.

PostgreSQL keeps the asyncpg driver (real network I/O belongs off the loop).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from mcp_service.adapters.db.engine import sqlite_pragmas

BUSY_TIMEOUT_MS = 50
LOCK_WAIT_S = 30.0  # how long a writer waits for another process's write lock
POOL_SIZE = 16
_BEGIN = "sqlite_begin"


def inline_engine(engine: AsyncEngine) -> Engine:
    """A synchronous engine on the same SQLite file as `engine` (aiosqlite)."""
    url = engine.url.set(drivername="sqlite")
    sync = create_engine(
        url,
        connect_args={"check_same_thread": False},
        pool_size=POOL_SIZE,
        max_overflow=-1,  # never wait for a connection (see module docstring)
    )
    event.listen(sync, "connect", _on_connect)
    event.listen(sync, "begin", _on_begin)
    return sync


def _on_connect(dbapi_conn: Any, _record: object) -> None:
    dbapi_conn.isolation_level = None  # transactions are begun by `_on_begin`, below
    sqlite_pragmas(dbapi_conn, busy_timeout_ms=BUSY_TIMEOUT_MS)


def _on_begin(conn: Connection) -> None:
    if conn.get_execution_options().get(_BEGIN) == "IMMEDIATE":
        conn.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    else:
        conn.exec_driver_sql("BEGIN")  # a consistent snapshot for the unit's reads


async def open_session(engine: Engine, *, write: bool) -> Session:
    """A session whose transaction has begun (for a writer: holding the write lock)."""
    deadline = time.monotonic() + LOCK_WAIT_S
    delay = 0.002
    while True:
        session = Session(engine, expire_on_commit=False)
        if not write:
            return session  # BEGIN on first use
        try:
            session.connection(execution_options={_BEGIN: "IMMEDIATE"})
            return session
        except OperationalError as exc:
            session.close()
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.1)


class InlineSession:
    """The `AsyncSession` methods the repositories use, over a synchronous `Session`.
    Each call runs to completion on the loop (microseconds on SQLite)."""

    def __init__(self, session: Session) -> None:
        self.sync = session

    def add(self, instance: object) -> None:
        self.sync.add(instance)

    def add_all(self, instances: Sequence[object]) -> None:
        self.sync.add_all(instances)

    def get_bind(self) -> Any:
        return self.sync.get_bind()

    async def execute(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return self.sync.execute(statement, params, **kw)

    async def scalar(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return self.sync.scalar(statement, params, **kw)

    async def scalars(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return self.sync.scalars(statement, params, **kw)

    async def get(self, entity: Any, ident: Any, **kw: Any) -> Any:
        return self.sync.get(entity, ident, **kw)

    async def flush(self, objects: Any = None) -> None:
        self.sync.flush(objects)

    async def refresh(self, instance: object, **kw: Any) -> None:
        self.sync.refresh(instance, **kw)

    async def commit(self) -> None:
        self.sync.commit()

    async def rollback(self) -> None:
        self.sync.rollback()

    async def close(self) -> None:
        self.sync.close()
