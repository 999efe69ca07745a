"""SQLite statements run on the event loop: a writer from another process must make a
unit of work wait without freezing the loop, and give up with an error in the end."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from sqlalchemy.exc import OperationalError

from mcp_service.adapters.db import sqlite_inline
from mcp_service.adapters.db.engine import make_engine
from mcp_service.adapters.db.unit_of_work import SqlUnitOfWorkFactory


def other_process_lock(url: str) -> sqlite3.Connection:
    """What another process (the CLI, say) holding SQLite's write lock looks like."""
    conn = sqlite3.connect(url.split(":///", 1)[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


async def test_a_writer_waits_for_another_process_without_blocking_the_loop(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    uow = SqlUnitOfWorkFactory(engine)
    holder = other_process_lock(sqlite_url)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def write() -> float:
        async with uow(write=True) as u:
            await u.tenants.ensure("t")
            await u.commit()
        return time.monotonic()

    tick_task = asyncio.create_task(ticker())
    writer = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writer.done()  # still waiting for the lock
    assert ticks >= 10  # … and the loop kept running meanwhile
    released = time.monotonic()
    holder.rollback()
    holder.close()
    done_at = await asyncio.wait_for(writer, 5)
    tick_task.cancel()
    assert done_at - released < 1.0
    async with uow() as u:
        assert await u.tenants.get("t") is not None
    uow.dispose()
    await engine.dispose()


async def test_a_writer_gives_up_when_the_lock_is_never_released(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inline, "LOCK_WAIT_S", 0.2)
    engine = make_engine(sqlite_url)
    uow = SqlUnitOfWorkFactory(engine)
    holder = other_process_lock(sqlite_url)
    try:
        with pytest.raises(OperationalError, match="locked"):
            async with uow(write=True) as u:
                await u.tenants.ensure("t")
        async with uow() as u:  # reading still works while it is held
            assert await u.tenants.get("t") is None
        # The in-process write lock was released: the next writer gets through.
        holder.rollback()
        async with uow(write=True) as u:
            await u.tenants.ensure("t")
            await u.commit()
    finally:
        holder.close()
        uow.dispose()
        await engine.dispose()
