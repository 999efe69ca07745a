"""Storage on SQLite and PostgreSQL through the same migrations."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import inspect

from mcp_service.adapters.db.engine import current_revision, head_revision, make_engine
from mcp_service.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from mcp_service.adapters.tokenizer import TiktokenCounter
from mcp_service.domain.model import NewTurn
from mcp_service.services.conversation.sessions import SessionService
from mcp_service.services.deps import Deps
from tests.fakes import FakeTokenCounter


def service(uow: SqlUnitOfWorkFactory, counter: object | None = None) -> SessionService:
    deps = Deps(
        uow=uow,
        vectors=None,
        embedder=None,
        counter=counter or TiktokenCounter("gpt-4o"),  # type: ignore[arg-type]
        gateway=None,
    )  # type: ignore[arg-type]
    return SessionService(deps)


async def test_migrations_create_every_table_at_head(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {
            "tenants",
            "sessions",
            "turns",
            "collections",
            "documents",
            "chunks",
            "jobs",
            "summaries",
            "api_keys",
        } <= tables
        assert await current_revision(engine) == head_revision(database_url)
    finally:
        await engine.dispose()


async def test_turns_keep_order_and_token_counts(uow_factory: SqlUnitOfWorkFactory) -> None:
    svc = service(uow_factory)
    texts = ["Hello there!", "Hi, how can I help?", "Tell me about Qdrant Edge."]
    turns = [
        NewTurn(role="user" if i % 2 == 0 else "assistant", content=t) for i, t in enumerate(texts)
    ]
    written = await svc.append_turns("t1", "s1", turns)
    assert [t.seq for t in written] == [1, 2, 3]
    listed = await svc.list_turns("t1", "s1", limit=10, after_seq=0)
    assert [t.content for t in listed] == texts
    counter = TiktokenCounter("gpt-4o")
    assert [t.token_count for t in listed] == [counter.count(t) for t in texts]
    more = await svc.append_turns("t1", "s1", [NewTurn(role="user", content="again")])
    assert more[0].seq == 4


async def test_import_keeps_the_given_timestamps(uow_factory: SqlUnitOfWorkFactory) -> None:
    svc = service(uow_factory, FakeTokenCounter())
    when = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    turns = [
        NewTurn(role="user", content=f"m{i}", created_at=when + timedelta(days=i)) for i in range(3)
    ]
    await svc.append_turns("t1", "s1", turns)
    listed = await svc.list_turns("t1", "s1", limit=10, after_seq=0)
    assert [t.created_at for t in listed] == [when + timedelta(days=i) for i in range(3)]


async def test_imported_offsets_are_kept_as_the_same_instant(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    svc = service(uow_factory, FakeTokenCounter())
    plus5 = datetime(2025, 3, 4, 10, 0, tzinfo=timezone(timedelta(hours=5)))
    await svc.append_turns("t1", "s2", [NewTurn(role="user", content="hi", created_at=plus5)])
    (turn,) = await svc.list_turns("t1", "s2", limit=10, after_seq=0)
    assert turn.created_at == plus5  # same instant
    assert turn.created_at.utcoffset() == timedelta(0)


async def test_concurrent_appends_get_gap_free_unique_seqs(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    svc = service(uow_factory, FakeTokenCounter())
    await svc.append_turns("t1", "s1", [NewTurn(role="user", content="first")])
    results = await asyncio.gather(
        *(svc.append_turns("t1", "s1", [NewTurn(role="user", content=f"c{i}")]) for i in range(49))
    )
    seqs = sorted(t.seq for batch in results for t in batch)
    assert seqs == list(range(2, 51))
    listed = await svc.list_turns("t1", "s1", limit=100, after_seq=0)
    assert [t.seq for t in listed] == list(range(1, 51))


async def test_another_tenant_cannot_see_a_session(uow_factory: SqlUnitOfWorkFactory) -> None:
    import pytest

    from mcp_service.domain.errors import NotFound

    svc = service(uow_factory, FakeTokenCounter())
    await svc.append_turns("t1", "shared-id", [NewTurn(role="user", content="secret")])
    with pytest.raises(NotFound):
        await svc.list_turns("t2", "shared-id", limit=10, after_seq=0)
    await svc.append_turns("t2", "shared-id", [NewTurn(role="user", content="mine")])
    mine = await svc.list_turns("t2", "shared-id", limit=10, after_seq=0)
    assert [t.content for t in mine] == ["mine"]


async def test_facts_remembered_at_the_same_time_are_all_kept(database_url: str) -> None:
    from mcp_service.services.conversation.memory_tools import MemoryTools

    engine = make_engine(database_url)
    uow = SqlUnitOfWorkFactory(engine)
    tools = MemoryTools(service(uow).deps)
    await tools.remember("t", "s", "first", 0)  # the session exists before the race
    await asyncio.gather(*(tools.remember("t", "s", f"fact{i}", i) for i in range(12)))
    state = (await service(uow).get("t", "s")).state
    assert state == {"first": 0, **{f"fact{i}": i for i in range(12)}}
    await engine.dispose()


async def test_the_migrations_match_the_models(database_url: str) -> None:
    """A model change without its migration (or the reverse) shows up here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from mcp_service.adapters.db.tables import Base

    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []


async def test_the_services_refuse_ids_and_text_that_cannot_be_stored(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """What MCP tools and the CLI write goes through these checks too (not only REST)."""
    import pytest

    from mcp_service.domain.errors import InvalidInput

    sessions = service(uow_factory, FakeTokenCounter())
    turn = [NewTurn(role="user", content="hi")]
    for bad in ("m" * 300, "", "a b", "nul\x00"):
        with pytest.raises(InvalidInput) as caught:
            await sessions.append_turns("t", bad, turn)
        assert caught.value.field == "session_id"
    for text in ("a\x00b", "lone \ud800"):
        with pytest.raises(InvalidInput) as caught:
            await sessions.append_turns("t", "ok", [NewTurn(role="user", content=text)])
        assert caught.value.field == "turns[0].content"
    async with uow_factory() as uow:  # type: ignore[operator]
        assert await uow.sessions.get("t", "ok") is None  # nothing was written
