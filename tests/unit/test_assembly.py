"""Budget allocation, trimming at boundaries, strategies and the report's arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mcp_service.domain.assembly import ContextInputs, assemble
from mcp_service.domain.errors import ContextTooLarge
from mcp_service.domain.model import ChunkHit, ContextPolicy, Summary, Turn
from tests.fakes import FakeTokenCounter

counter = FakeTokenCounter()
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def turn(seq: int, words: int = 5, role: str = "user", session: str = "s") -> Turn:
    text = " ".join([f"turn{seq}"] + ["w"] * (words - 1))
    return Turn("t", session, seq, role, text, None, words, T0 + timedelta(minutes=seq), {})  # type: ignore[arg-type]


def hit(i: int, words: int = 20, score: float = 0.9) -> ChunkHit:
    return ChunkHit(f"c{i}", f"d{i}", "kb", " ".join([f"chunk{i}"] * words), score, {})


def inputs(**kw: object) -> ContextInputs:
    base: dict[str, object] = dict(
        session_id="s",
        system_prompt="Be helpful.",
        now=T0,
        message="what now?",
        budget=1000,
        policy=ContextPolicy(),
    )
    base.update(kw)
    return ContextInputs(**base)  # type: ignore[arg-type]


def test_report_total_equals_the_tokens_of_the_assembled_prompt() -> None:
    history = [turn(i, 7, "user" if i % 2 else "assistant") for i in range(1, 41)]
    ctx = assemble(
        inputs(history=history, knowledge=[hit(1), hit(2)], state={"plan": "pro"}, budget=300),
        counter,
    )
    assert ctx.report["total_tokens"] == counter.count_messages(ctx.messages)
    assert ctx.prompt_tokens <= 300
    assert sum(s["tokens"] for s in ctx.report["sections"].values()) + 3 == ctx.prompt_tokens


def test_recent_turns_are_whole_newest_kept_and_in_order() -> None:
    history = [turn(i, 10) for i in range(1, 21)]
    ctx = assemble(
        inputs(history=history, budget=120, policy=ContextPolicy(strategy="truncate")), counter
    )
    recent = ctx.report["sections"]["recent"]["included"]
    assert recent == sorted(recent) and recent[-1] == 20
    assert recent == list(range(recent[0], 21))  # contiguous, no holes
    contents = [m.content for m in ctx.messages if m.content.startswith("turn")]
    assert all(len(c.split()) == 10 for c in contents)  # never half a turn
    assert ctx.messages[-1].content == "what now?"
    dropped = {d["id"] for d in ctx.report["sections"]["recent"]["dropped"]}
    assert dropped == set(range(1, recent[0]))


def test_mandatory_parts_over_budget_fail_loudly() -> None:
    with pytest.raises(ContextTooLarge):
        assemble(inputs(message=" ".join(["x"] * 50), budget=40), counter)


def test_sliding_window_keeps_at_most_n_turns_even_with_room() -> None:
    history = [turn(i, 3) for i in range(1, 31)]
    policy = ContextPolicy(strategy="sliding_window", window_turns=4, recall=False)
    ctx = assemble(inputs(history=history, budget=5000, policy=policy), counter)
    assert ctx.report["sections"]["recent"]["included"] == [27, 28, 29, 30]
    reasons = {d["reason"] for d in ctx.report["sections"]["recent"]["dropped"]}
    assert reasons == {"outside sliding window"}


def test_knowledge_is_trimmed_at_chunk_boundaries_within_its_share() -> None:
    hits = [hit(i, 40) for i in range(1, 9)]
    ctx = assemble(inputs(knowledge=hits, budget=300), counter)
    k = ctx.report["sections"]["knowledge"]
    assert 0 < len(k["included"]) < 8
    assert k["tokens"] <= k["allocated"]
    assert {d["reason"] for d in k["dropped"]} == {"budget"}
    body = next(m.content for m in ctx.messages if m.content.startswith("<knowledge>"))
    for h in k["included"]:
        assert body.count(f'id="{h["id"]}"') == 1
        assert " ".join([f"chunk{h['id'][1:]}"] * 40) in body  # the whole chunk text


def test_unused_shares_flow_on_to_recent_turns() -> None:
    history = [turn(i, 10) for i in range(1, 200)]
    lean = assemble(inputs(history=history, budget=600), counter)
    # No summary, knowledge or recall: their shares go to recent turns.
    assert lean.report["sections"]["knowledge"]["tokens"] == 0
    assert lean.report["sections"]["recent"]["tokens"] > 600 * 0.8


def test_summary_is_used_when_history_does_not_fit() -> None:
    history = [turn(i, 10) for i in range(101, 200)]
    summary = Summary("t", "s", 3, "the user likes tea", 100, 4, T0)
    ctx = assemble(
        inputs(history=history, history_complete=False, summary=summary, budget=400), counter
    )
    s = ctx.report["sections"]["summary"]
    assert s["included"] == [{"version": 3, "through_seq": 100}]
    assert any("turns 1–100" in m.content for m in ctx.messages)


def test_summary_is_skipped_when_everything_fits_verbatim() -> None:
    history = [turn(i, 5) for i in range(1, 6)]
    summary = Summary("t", "s", 1, "short", 2, 1, T0)
    ctx = assemble(inputs(history=history, summary=summary, budget=2000), counter)
    assert ctx.report["sections"]["summary"]["included"] == []
    assert ctx.report["sections"]["recent"]["included"] == [1, 2, 3, 4, 5]


def test_recall_brings_old_turns_and_never_duplicates_the_window() -> None:
    history = [turn(i, 10) for i in range(1, 301)]
    recall = [(history[9], 0.9), (history[298], 0.8), (history[49], 0.7)]
    ctx = assemble(
        inputs(history=history, history_complete=True, recall=recall, budget=400), counter
    )
    recalled = [r["seq"] for r in ctx.report["sections"]["recall"]["included"]]
    recent = ctx.report["sections"]["recent"]["included"]
    assert 10 in recalled and 50 in recalled
    assert 299 not in recalled and 299 in recent
    assert not set(recalled) & set(recent)
    body = next(m.content for m in ctx.messages if m.content.startswith("<recalled-turns>"))
    assert body.index("turn10 ") < body.index("turn50 ")  # chronological


def test_state_is_rendered_as_its_own_section() -> None:
    ctx = assemble(inputs(state={"name": "Ada", "tier": "gold"}), counter)
    state = next(m.content for m in ctx.messages if m.content.startswith("<session-state>"))
    assert "- name: Ada" in state and "- tier: gold" in state
    assert ctx.report["sections"]["state"]["included"] == ["name", "tier"]


def test_system_prompt_carries_the_current_date() -> None:
    ctx = assemble(inputs(), counter)
    assert ctx.messages[0].role == "system"
    assert "2026-01-01" in ctx.messages[0].content
