"""Tool calls in the history, as OpenAI-style gateways require them.

An assistant turn that called tools (its calls in `metadata.tool_calls`) and the tool turns
that answered it (`metadata.tool_call_id`) form one unit: the recent window keeps or drops
it whole, and it is replayed as `assistant{tool_calls}` followed by `tool{tool_call_id}`
messages. Gateways reject a `tool` message without its call and a call without an answer
for each id, so what cannot be replayed whole is replayed as plain text instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

from mcp_service.domain.model import JSON, Message, Turn

TOOL_CALLS = "tool_calls"  # metadata of an assistant turn: the calls, as the gateway sent them
TOOL_CALL_ID = "tool_call_id"  # metadata of a tool turn: the call it answers


def calls_of(turn: Turn) -> list[JSON]:
    """The tool calls an assistant turn made (none for other turns)."""
    calls = turn.metadata.get(TOOL_CALLS) if turn.role == "assistant" else None
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


def call_ids(calls: Iterable[JSON]) -> list[str]:
    return [str(c.get("id")) for c in calls if c.get("id")]


def answered_id(turn: Turn) -> str | None:
    """The call a tool turn answers (None for a tool turn recorded without one)."""
    value = turn.metadata.get(TOOL_CALL_ID) if turn.role == "tool" else None
    return str(value) if value else None


def counted_text(message: Message) -> str:
    """What a message's token count covers: its text and its tool calls."""
    if not message.tool_calls:
        return message.content
    return message.content + json.dumps(list(message.tool_calls), separators=(",", ":"))


def units(turns: Sequence[Turn]) -> list[list[Turn]]:
    """`turns` (oldest first) grouped: a call with the tool turns right after it that
    answer it is one unit; every other turn is a unit of its own."""
    grouped: list[list[Turn]] = []
    open_ids: set[str] = set()
    for turn in turns:
        answers = answered_id(turn)
        if answers is not None and answers in open_ids and grouped:
            grouped[-1].append(turn)
            continue
        grouped.append([turn])
        open_ids = set(call_ids(calls_of(turn)))
    return grouped


def unit_costs(turns: Sequence[Turn], cost: Callable[[Turn], int]) -> dict[int, int]:
    """What to charge per turn (by seq) when a window is filled newest first: the newest
    turn of a unit carries the whole unit and the others nothing, so that a unit is taken
    whole or not at all."""
    charged: dict[int, int] = {}
    for unit in units(turns):
        for turn in unit:
            charged[turn.seq] = 0
        charged[unit[-1].seq] = sum(cost(t) for t in unit)
    return charged


def render(turns: Sequence[Turn], plain: Callable[[Turn], Message]) -> list[Message]:
    """Turns (oldest first) as messages: each call with the answers present, in OpenAI's
    shape; a call without any answer and an answer without its call through `plain`."""
    messages: list[Message] = []
    for unit in units(turns):
        head, answers = unit[0], unit[1:]
        calls = calls_of(head)
        if not calls:
            messages.extend(plain(t) for t in unit)
            continue
        present = {answered_id(t) for t in answers}
        kept = tuple(c for c in calls if c.get("id") in present)
        if not kept:
            messages.append(Message("assistant", head.content or describe_calls(calls)))
            continue
        messages.append(Message("assistant", head.content, tool_calls=kept))
        messages.extend(result_message(t) for t in answers)
    return messages


def result_message(turn: Turn) -> Message:
    return Message("tool", turn.content, tool_call_id=answered_id(turn))


def describe_calls(calls: Sequence[JSON]) -> str:
    """A call that cannot be replayed as one (no answer was recorded), as text."""
    names = []
    for call in calls:
        raw = call.get("function")
        function: JSON = raw if isinstance(raw, dict) else {}
        names.append(f"{function.get('name', 'tool')}({function.get('arguments', '')})")
    return f"(called {', '.join(names)}; no result was recorded)"


def merge_deltas(calls: list[JSON], deltas: object) -> None:
    """Fold a stream chunk's `delta.tool_calls` into `calls` (by `index`): the id, type
    and name arrive once (a repeated name is ignored), the arguments in pieces."""
    if not isinstance(deltas, list):
        return
    for delta in deltas:
        if not isinstance(delta, dict):
            continue
        index = delta.get("index", len(calls))
        if not isinstance(index, int) or index < 0 or index > len(calls) + 64:
            continue
        while len(calls) <= index:
            calls.append({"id": "", "type": "function", "function": {"name": "", "arguments": ""}})
        call = calls[index]
        if delta.get("id"):
            call["id"] = str(delta["id"])
        if delta.get("type"):
            call["type"] = str(delta["type"])
        function = delta.get("function")
        if isinstance(function, dict):
            target = call["function"]
            if function.get("name") and not target["name"]:
                target["name"] = str(function["name"])
            if isinstance(function.get("arguments"), str):
                target["arguments"] = str(target["arguments"]) + function["arguments"]
