"""Tool calls in the prompt (kept or dropped with their results, in OpenAI's shape), stream
deltas merged into calls, and gateway usage read defensively."""

from __future__ import annotations

from datetime import UTC, datetime

from mcp_service.domain import tool_calls
from mcp_service.domain.assembly import ContextInputs, assemble
from mcp_service.domain.model import MAX_TOKENS, ContextPolicy, Message, Turn, Usage
from tests.fakes import FakeTokenCounter

T0 = datetime(2026, 1, 1, tzinfo=UTC)
counter = FakeTokenCounter()


def call(i: int) -> dict[str, object]:
    return {"id": f"c{i}", "type": "function", "function": {"name": "f", "arguments": "{}"}}


def turn(seq: int, role: str, words: int = 5, **meta: object) -> Turn:
    text = " ".join([f"t{seq}"] + ["w"] * (words - 1))
    return Turn("t", "s", seq, role, text, None, words, T0, dict(meta))  # type: ignore[arg-type]


def loop() -> list[Turn]:
    """user, a call with two tool calls, both results (big), the final answer."""
    return [
        turn(1, "user"),
        turn(2, "assistant", tool_calls=[call(1), call(2)]),
        turn(3, "tool", 30, tool_call_id="c1"),
        turn(4, "tool", 30, tool_call_id="c2"),
        turn(5, "assistant"),
    ]


def test_a_call_and_its_results_replay_in_openai_shape() -> None:
    messages = tool_calls.render(loop(), lambda t: Message(t.role, t.content))
    wire = [m.to_dict() for m in messages]
    assert [m["role"] for m in wire] == ["user", "assistant", "tool", "tool", "assistant"]
    assert wire[1]["tool_calls"] == [call(1), call(2)]
    assert [wire[2]["tool_call_id"], wire[3]["tool_call_id"]] == ["c1", "c2"]


def test_the_window_keeps_a_unit_whole_or_drops_it_whole() -> None:
    policy = ContextPolicy(strategy="truncate", min_recent_turns=1, recall=False)
    base = dict(session_id="s", system_prompt="S", now=T0, message="next?", policy=policy)
    for budget in range(60, 140, 3):
        ctx = assemble(ContextInputs(budget=budget, history=loop(), **base), counter)  # type: ignore[arg-type]
        kept = ctx.report["sections"]["recent"]["included"]
        assert kept in ([5], [2, 3, 4, 5], [1, 2, 3, 4, 5]), (budget, kept)
        roles = [m.role for m in ctx.messages]
        assert ("tool" in roles) == (2 in kept)
        assert ctx.report["total_tokens"] >= counter.count_messages(ctx.messages)


def test_what_cannot_be_replayed_whole_becomes_text() -> None:
    orphan = tool_calls.render(
        [turn(3, "tool", tool_call_id="c1")], lambda t: Message("system", "Tool output")
    )
    assert [m.role for m in orphan] == ["system"]
    unanswered = tool_calls.render(
        [turn(2, "assistant", 1, tool_calls=[call(1)])], lambda t: Message(t.role, t.content)
    )
    assert unanswered[0].tool_calls == () and unanswered[0].content == "t2"
    partial = tool_calls.render(loop()[1:3], lambda t: Message(t.role, t.content))
    assert partial[0].tool_calls == (call(1),)  # only the answered call is replayed


def test_stream_deltas_merge_into_whole_calls() -> None:
    calls: list[dict[str, object]] = []
    tool_calls.merge_deltas(
        calls,
        [{"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": ""}}],
    )
    tool_calls.merge_deltas(calls, [{"index": 0, "function": {"arguments": '{"city":'}}])
    tool_calls.merge_deltas(
        calls, [{"index": 0, "function": {"name": "f", "arguments": '"Paris"}'}}]
    )
    tool_calls.merge_deltas(
        calls, [{"index": 1, "id": "c2", "function": {"name": "g", "arguments": "{}"}}]
    )
    assert calls == [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "f", "arguments": '{"city":"Paris"}'},
        },
        {"id": "c2", "type": "function", "function": {"name": "g", "arguments": "{}"}},
    ]


def test_usage_numbers_are_read_defensively() -> None:
    assert Usage.parse({"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": "zz"}) == Usage(
        5, 3
    )
    assert Usage.parse({"prompt_tokens": "zz", "completion_tokens": "zz"}) is None
    huge = Usage.parse({"prompt_tokens": 2**70, "completion_tokens": 1e400})
    assert huge == Usage(MAX_TOKENS, MAX_TOKENS)
    assert Usage.parse({"prompt_tokens": -4, "completion_tokens": True}) is None
    assert Usage.parse("not an object") is None
