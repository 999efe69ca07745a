"""Reconciling a request's messages with the recorded turns (domain/reconcile.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.model import Message, Turn
from mcp_service.domain.reconcile import Recorded, append, reconcile

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CALL = {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}


def turns(*spec: tuple[str, str]) -> list[Turn]:
    out = []
    for seq, (role, content) in enumerate(spec, start=1):
        meta: dict[str, object] = {}
        if role == "call":
            role, meta = "assistant", {"tool_calls": [CALL]}
        if role == "tool":
            meta = {"tool_call_id": "call_1"}
        out.append(Turn("t", "s", seq, role, content, None, 1, T0, meta))  # type: ignore[arg-type]
    return out


def msg(role: str, content: str) -> Message:
    if role == "call":
        return Message("assistant", content, tool_calls=(CALL,))
    if role == "tool":
        return Message("tool", content, tool_call_id="call_1")
    return Message(role, content)


CHAT = turns(
    ("user", "hi"), ("assistant", "hello"), ("user", "how are you?"), ("assistant", "fine")
)


def body(*spec: tuple[str, str]) -> list[Message]:
    return [msg(r, c) for r, c in spec]


def test_the_whole_history_plus_a_new_message_appends_it() -> None:
    sent = body(
        ("user", "hi"),
        ("assistant", "hello "),
        ("user", "how are you?"),
        ("assistant", "fine"),
        ("user", "bye"),
    )
    plan = reconcile(sent, Recorded.of(CHAT), full_history=True)
    assert plan.kind == "append" and [m.content for m in plan.new] == ["bye"]
    assert plan.supersede_from is None and plan.history_before is None


def test_only_the_new_message_appends_it_even_when_it_repeats_an_old_one() -> None:
    plan = reconcile(body(("user", "hi")), Recorded.of(CHAT), full_history=False)
    assert plan.kind == "new_only" and [m.content for m in plan.new] == ["hi"]
    assert plan.supersede_from is None


def test_regenerate_supersedes_the_answer_and_records_nothing_new() -> None:
    sent = body(("user", "hi"), ("assistant", "hello"), ("user", "how are you?"))
    plan = reconcile(sent, Recorded.of(CHAT), full_history=True)
    assert plan.kind == "regenerate" and plan.new == ()
    assert plan.supersede_from == 4 and plan.history_before == 3
    assert plan.input_turn is not None and plan.input_turn.seq == 3
    # the same from a client that sends only the last message
    alone = reconcile(body(("user", "how are you?")), Recorded.of(CHAT), full_history=False)
    assert (alone.kind, alone.supersede_from, alone.history_before) == ("regenerate", 4, 3)


def test_an_edit_supersedes_from_the_divergence() -> None:
    sent = body(("user", "hi"), ("assistant", "hello"), ("user", "how old are you?"))
    plan = reconcile(sent, Recorded.of(CHAT), full_history=True)
    assert plan.kind == "edit" and [m.content for m in plan.new] == ["how old are you?"]
    assert plan.supersede_from == 3 and plan.history_before == 3
    first = reconcile(body(("user", "hey")), Recorded.of(CHAT), full_history=True)
    assert first.kind == "replace" and first.supersede_from == 1


def test_a_retry_of_an_unanswered_message_records_nothing() -> None:
    failed = turns(("user", "hi"), ("assistant", "hello"), ("user", "again?"))
    plan = reconcile(body(("user", "again?")), Recorded.of(failed), full_history=False)
    assert plan.kind == "retry" and plan.new == () and plan.history_before == 3


def test_a_trimmed_history_is_matched_at_the_end_not_taken_for_an_edit() -> None:
    long = turns(*[("user", "same") if i % 2 == 0 else ("assistant", f"a{i}") for i in range(10)])
    sent = [
        *body(("user", "same")),
        *[msg(t.role, t.content) for t in long[-3:]],
        msg("user", "new"),
    ]
    plan = reconcile(sent, Recorded.of(long), full_history=True)
    # it opens like the session (a coincidence), but 4 messages match the session's end
    assert plan.kind == "append" and [m.content for m in plan.new] == ["new"]
    assert plan.supersede_from is None


def test_tool_results_are_the_new_input_with_their_call() -> None:
    looped = turns(("user", "weather?"), ("call", ""))
    sent = body(("user", "weather?"), ("call", ""), ("tool", "12 C"))
    plan = reconcile(sent, Recorded.of(looped), full_history=False)
    assert plan.kind == "append" and [m.role for m in plan.new] == ["tool"]
    assert [m.role for m in plan.tail] == ["assistant", "tool"]
    assert plan.history_before == 2  # the call is in the tail, not repeated from history
    only = reconcile(body(("tool", "12 C")), Recorded.of(looped), full_history=False)
    assert [m.role for m in only.new] == ["tool"] and only.tail[0].tool_calls == (CALL,)
    assert only.history_before == 2


def test_tool_messages_need_their_call() -> None:
    with pytest.raises(InvalidInput):
        reconcile(body(("user", "hi"), ("tool", "x")), Recorded.of(CHAT), full_history=False)
    with pytest.raises(InvalidInput):
        reconcile(body(("tool", "x")), Recorded.of(CHAT), full_history=False)
    with pytest.raises(InvalidInput):
        reconcile(body(("user", "hi"), ("assistant", "yo")), Recorded.of(CHAT), full_history=False)


def test_a_new_session_records_the_history_it_is_given() -> None:
    sent = body(("user", "hi"), ("assistant", "hello"), ("user", "more"))
    plan = reconcile(sent, Recorded.of([]), full_history=False)
    assert len(plan.new) == 3 and [m.content for m in plan.imported] == ["hi", "hello"]


def test_appending_after_an_earlier_reply_forks() -> None:
    plan = append(body(("user", "other question")), Recorded.of(CHAT[:2]), supersede_from=3)
    assert plan.supersede_from == 3 and plan.history_before == 3 and len(plan.new) == 1
