"""Long-term memory on SQLite and PostgreSQL: recall, rolling summary, failure safety."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from mcp_service.adapters.db.tables import JobRow
from mcp_service.domain.model import NewTurn, Turn
from mcp_service.services.conversation.context import ContextService
from mcp_service.services.conversation.memory import SUMMARIZE, MemoryJobs
from mcp_service.services.conversation.sessions import SessionService
from mcp_service.services.deps import Deps
from mcp_service.services.governance.retention import RetentionService
from mcp_service.services.worker import Worker

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
FILLER = [
    "Can you suggest a good stretch for my lower back?",
    "Try a gentle child's pose for thirty seconds, breathing slowly.",
    "What is a quick vegetarian dinner idea?",
    "A chickpea curry with spinach takes about twenty minutes.",
    "Any tips for staying focused in the afternoon?",
    "Short walks and a glass of water help many people.",
]


class ExplodingSummarizer:
    name = "exploding"

    async def summarize(
        self, previous: str | None, turns: Sequence[Turn], *, max_tokens: int
    ) -> str:
        raise RuntimeError("summary model unavailable")


async def import_history(deps: Deps, planted_at: int, total: int, start: int = 0) -> None:
    turns = []
    for i in range(start, total):
        text = FILLER[i % len(FILLER)]
        if i == planted_at:
            text = "By the way, my locker combination at the gym is 4-17-29."
        role = "user" if i % 2 == 0 else "assistant"
        turns.append(
            NewTurn(
                role=role,
                content=text,  # type: ignore[arg-type]
                created_at=T0 + timedelta(minutes=5 * i),
            )
        )
    await SessionService(deps).append_turns("t", "s", turns)


async def test_recall_finds_a_planted_turn_hundreds_of_turns_back(deps: Deps) -> None:
    await import_history(deps, planted_at=20, total=400)
    worker = Worker(deps, MemoryJobs(deps).handlers())
    await worker.run_until_idle()
    memory = await SessionService(deps).memory("t", "s")
    assert memory["turns_embedded"] == 400
    _, ctx = await ContextService(deps).build(
        "t", "s", "What was the code for my gym locker again?", max_context_tokens=1500
    )
    recalled = [r["seq"] for r in ctx.report["sections"]["recall"]["included"]]
    assert 21 in recalled  # seq is 1-based
    assert any("4-17-29" in m.content for m in ctx.messages)
    assert ctx.report["total_tokens"] <= 1500


async def test_rolling_summary_is_incremental_and_bounded(deps: Deps) -> None:
    svc = SessionService(deps)
    worker = Worker(deps, MemoryJobs(deps).handlers())
    await import_history(deps, planted_at=3, total=40)
    await worker.run_until_idle()
    first = await svc.summary("t", "s")
    assert first.version == 1 and first.through_seq == 40 - 12  # the newest 12 stay verbatim
    await import_history(deps, planted_at=-1, total=70, start=40)
    await worker.run_until_idle()
    second = await svc.summary("t", "s")
    assert second.version == 2 and second.through_seq == 70 - 12
    assert (await svc.memory("t", "s"))["summary_through_seq"] == second.through_seq
    assert second.token_count <= deps.config.summary_max_tokens
    assert "4-17-29" in second.content  # a fact from the first fold survives the second


async def test_a_failing_summariser_hides_no_turn(deps: Deps) -> None:
    deps.summarizer = ExplodingSummarizer()
    await import_history(deps, planted_at=5, total=80)
    worker = Worker(deps, MemoryJobs(deps).handlers(), base_backoff_s=0.0)
    await worker.run_until_idle()
    svc = SessionService(deps)
    assert (await svc.memory("t", "s"))["summary_through_seq"] == 0
    listed = await svc.list_turns("t", "s", limit=1000, after_seq=0)
    assert [t.seq for t in listed] == list(range(1, 81))
    _, ctx = await ContextService(deps).build(
        "t", "s", "Remind me of my gym locker combination", max_context_tokens=800
    )
    assert any("4-17-29" in m.content for m in ctx.messages)


async def chat_like_writes(deps: Deps, sessions: dict[tuple[str, str], int]) -> None:
    """Turns written one at a time, as chats write them (each write queues its jobs)."""
    svc = SessionService(deps)
    for (tenant, session), count in sessions.items():
        for i in range(count):
            role = "user" if i % 2 == 0 else "assistant"
            text = f"{tenant} {session} turn {i}: {FILLER[i % len(FILLER)]}"
            await svc.append_turns(tenant, session, [NewTurn(role=role, content=text)])  # type: ignore[arg-type]


async def queued(deps: Deps, kind: str) -> int:
    async with deps.uow() as u:
        n = await u.db.scalar(  # type: ignore[attr-defined]
            select(func.count()).where(JobRow.kind == kind, JobRow.status == "queued")
        )
    return int(n)


async def test_the_worker_embeds_many_writes_in_one_batch(deps: Deps) -> None:
    await chat_like_writes(deps, {("t", "a"): 12, ("t", "b"): 9, ("u", "a"): 5})
    assert await queued(deps, "embed_turns") == 26
    memory = MemoryJobs(deps)
    worker = Worker(deps, memory.handlers(), batch_handlers=memory.batch_handlers())
    first = await worker.run_once()
    assert first is not None and first.kind == "embed_turns"
    assert await queued(deps, "embed_turns") == 0  # one claim took every queued job
    svc = SessionService(deps)
    assert (await svc.memory("t", "a"))["turns_embedded"] == 12
    assert (await svc.memory("t", "b"))["turns_embedded"] == 9
    assert (await svc.memory("u", "a"))["turns_embedded"] == 5
    # Each tenant's turns are recallable by that tenant only.
    assert await deps.vectors.count_turns("t") == 21
    assert await deps.vectors.count_turns("u") == 5
    async with deps.uow() as u:
        job = await u.jobs.get("t", first.id)
    assert job is not None and job.status == "done" and job.result == {"embedded": 1, "batch": 26}


async def test_a_failed_batch_is_retried_whole_and_loses_nothing(deps: Deps) -> None:
    await chat_like_writes(deps, {("t", "a"): 6})
    real = deps.embedder

    class Down:
        async def embed(self, texts: Sequence[str]) -> list[list[float]]:
            raise RuntimeError("embedder down")

    deps.embedder = Down()  # type: ignore[assignment]
    memory = MemoryJobs(deps)
    worker = Worker(
        deps, memory.handlers(), batch_handlers=memory.batch_handlers(), base_backoff_s=0.0
    )
    await worker.run_once()
    assert await queued(deps, "embed_turns") == 6  # all requeued for a retry
    assert (await SessionService(deps).memory("t", "a"))["turns_embedded"] == 0
    deps.embedder = real
    await worker.run_until_idle()
    assert (await SessionService(deps).memory("t", "a"))["turns_embedded"] == 6


async def test_a_lagging_worker_gets_one_summary_job_per_trigger_not_per_write(
    deps: Deps,
) -> None:
    # trigger = 24: 60 single-turn writes with no worker running used to queue a summary
    # job on each of the 37 writes past the 24th; now one at 24 and one at 48.
    await chat_like_writes(deps, {("t", "s"): 60})
    assert await queued(deps, "summarize") == 2
    memory = MemoryJobs(deps)
    await Worker(deps, memory.handlers(), batch_handlers=memory.batch_handlers()).run_until_idle()
    summary = await SessionService(deps).summary("t", "s")
    assert summary.through_seq == 60 - 12  # caught up: the newest 12 stay verbatim


async def history_texts(deps: Deps, session: str) -> list[str]:
    _, ctx = await ContextService(deps).build("t", session, "anything new?")
    return [m.content for m in ctx.messages]


async def test_cached_history_never_serves_deleted_or_replaced_turns(deps: Deps) -> None:
    svc = SessionService(deps)
    old = [NewTurn(role="user", content=f"old secret number {i}") for i in range(6)]  # type: ignore[arg-type]
    await svc.append_turns("t", "s", old)
    assert "old secret number 3" in await history_texts(deps, "s")  # now cached
    assert len(deps.turn_cache) == 6
    # Rows deleted behind this process's back (another replica): the database listing wins.
    async with deps.uow(write=True) as u:
        await u.purge.delete_turns("t", "s", [4])
        await u.commit()
    texts = await history_texts(deps, "s")
    assert "old secret number 3" not in texts and "old secret number 2" in texts
    # The session deleted and created again under the same id: sequence numbers restart.
    await svc.delete("t", "s")
    assert len(deps.turn_cache) == 0
    new = [NewTurn(role="user", content=f"new note {i}") for i in range(3)]  # type: ignore[arg-type]
    await svc.append_turns("t", "s", new)
    texts = await history_texts(deps, "s")
    assert not any("old secret" in t for t in texts)
    assert [t for t in texts if t.startswith("new note")] == [
        "new note 0",
        "new note 1",
        "new note 2",
    ]


async def test_summary_jobs_fold_each_session_once_and_fail_alone(deps: Deps) -> None:
    svc = SessionService(deps)
    for session in ("a", "b"):
        turns = [NewTurn(role="user", content=f"{session} note {i}") for i in range(40)]  # type: ignore[arg-type]
        await svc.append_turns("t", session, turns)
    async with deps.uow(write=True) as u:  # a duplicate for "a", as a lagging queue has
        await u.jobs.enqueue("summarize", {"session_id": "a"}, tenant_id="t")
        await u.commit()
    assert await queued(deps, "summarize") == 3
    memory = MemoryJobs(deps)
    real = deps.summarizer
    assert real is not None

    class FailsForB:
        name = "fails-for-b"

        async def summarize(
            self, previous: str | None, turns: Sequence[Turn], *, max_tokens: int
        ) -> str:
            if turns[0].session_id == "b":
                raise RuntimeError("summary model unavailable")
            return await real.summarize(previous, turns, max_tokens=max_tokens)

    deps.summarizer = FailsForB()
    worker = Worker(
        deps, memory.handlers(), batch_handlers=memory.batch_handlers(), base_backoff_s=60
    )
    while await queued(deps, "embed_turns") or await queued(deps, "summarize") == 3:
        await worker.run_once()
    assert (await svc.summary("t", "a")).version == 1  # the second fold had nothing to do
    async with deps.uow() as u:
        query = select(JobRow.kind, JobRow.status, JobRow.payload)
        rows = (await u.db.execute(query)).all()  # type: ignore[attr-defined]
    summaries = sorted((r.status, r.payload.get("session_id")) for r in rows if r.kind == SUMMARIZE)
    # a's two jobs are done (a finished job keeps no payload); b's retries later
    assert summaries == [("done", None), ("done", None), ("queued", "b")]
    assert (await svc.memory("t", "b"))["summary_through_seq"] == 0


async def test_a_slow_summary_does_not_hold_up_turn_embeddings(deps: Deps) -> None:
    release = asyncio.Event()
    started = asyncio.Event()

    class Slow:
        name = "slow"

        async def summarize(
            self, previous: str | None, turns: Sequence[Turn], *, max_tokens: int
        ) -> str:
            started.set()
            await release.wait()
            return "a summary"

    deps.summarizer = Slow()
    memory = MemoryJobs(deps)
    worker = Worker(deps, memory.handlers(), batch_handlers=memory.batch_handlers(), poll_s=0.01)
    stop = asyncio.Event()
    lanes = [worker.lane({"embed_turns"}, "embed"), worker.lane({"summarize"}, "jobs")]
    tasks = [asyncio.create_task(lane.run_forever(stop)) for lane in lanes]
    try:
        await import_history(deps, planted_at=-1, total=30)  # 30 turns: a summary is due
        await asyncio.wait_for(started.wait(), 10)  # … and now stuck on its model call
        await import_history(deps, planted_at=-1, total=40, start=30)
        svc = SessionService(deps)
        for _ in range(500):
            if (await svc.memory("t", "s"))["turns_embedded"] == 40:
                break
            await asyncio.sleep(0.02)
        memory_state = await svc.memory("t", "s")
        assert memory_state["turns_embedded"] == 40
        assert memory_state["summary_through_seq"] == 0  # the summary is still running
    finally:
        release.set()
        stop.set()
        await asyncio.gather(*tasks)
    assert (await SessionService(deps).summary("t", "s")).content == "a summary"


class QuotingSummarizer:
    """Quotes every folded turn; runs `during` while it "thinks" (as a model call would)."""

    name = "quoting"

    def __init__(self) -> None:
        self.during: Callable[[], Awaitable[None]] | None = None

    async def summarize(
        self, previous: str | None, turns: Sequence[Turn], *, max_tokens: int
    ) -> str:
        if self.during is not None:
            during, self.during = self.during, None
            await during()
        return " | ".join([previous or "", *(t.content for t in turns)])


async def fold_with(deps: Deps, summarizer: QuotingSummarizer) -> None:
    folding = replace(deps, summarizer=summarizer)  # type: ignore[arg-type]
    memory = MemoryJobs(folding)
    await Worker(
        folding, memory.handlers(), batch_handlers=memory.batch_handlers()
    ).run_until_idle()


async def test_a_summary_of_a_session_deleted_and_made_again_is_discarded(deps: Deps) -> None:
    sessions = SessionService(deps)
    old = [NewTurn(role="user", content=f"OLDSECRET turn {i}") for i in range(40)]
    await sessions.append_turns("t", "s", old)
    summarizer = QuotingSummarizer()

    async def recreate() -> None:
        await sessions.delete("t", "s")
        await sessions.create("t", "s", {"user_id": "new-owner"})

    summarizer.during = recreate
    await fold_with(deps, summarizer)
    assert (await sessions.get("t", "s")).user_id == "new-owner"
    async with deps.uow() as uow:
        summary = await uow.summaries.current("t", "s")
    assert summary is None or "OLDSECRET" not in summary.content


async def test_a_summary_folding_turns_that_retention_deleted_is_discarded(deps: Deps) -> None:
    sessions = SessionService(deps)
    ancient = datetime(2001, 1, 1, tzinfo=UTC)
    old = [
        NewTurn(role="user", content=f"RETSECRET turn {i}", created_at=ancient + timedelta(i))
        for i in range(40)
    ]
    await sessions.append_turns("t", "s", old)
    await sessions.append_turns(
        "t", "s", [NewTurn(role="user", content=f"fresh {i}") for i in range(4)]
    )
    retention = RetentionService(deps)
    await retention.put("t", "expire", {"turn_max_age_days": 30, "enabled": True})
    summarizer = QuotingSummarizer()

    async def expire() -> None:
        (receipt,) = await retention.run("t")
        assert receipt.counts["turns"] == 40

    summarizer.during = expire
    await fold_with(deps, summarizer)
    async with deps.uow() as uow:
        summary = await uow.summaries.current("t", "s")
        left = await uow.turns.page("t", "s", limit=100, after_seq=0)
    assert [t.content for t in left] == [f"fresh {i}" for i in range(4)]
    assert summary is None or "RETSECRET" not in summary.content
