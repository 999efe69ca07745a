"""Building the prompt for one request, and the report of how the budget was spent.

Prompt order: system prompt, session state, rolling summary, retrieved knowledge,
recalled older turns, recent turns (oldest first), the new user message. Every section
is whole messages or whole items: nothing is ever cut in the middle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from mcp_service.domain import sections as render
from mcp_service.domain import tool_calls
from mcp_service.domain.budget import Picked, check_mandatory, pick_in_order, share
from mcp_service.domain.model import JSON, ChunkHit, ContextPolicy, Message, Summary, Turn
from mcp_service.domain.ports import TokenCounter
from mcp_service.domain.report import ReportBuilder

T = TypeVar("T")
MAX_RECALL_ROUNDS = 4
# A message about what was just said ("you just said", "a moment ago") leaves at least
# half of the room to the recent turns.
FOLLOW_UP_RECALL_SHARE = 0.5


@dataclass(frozen=True)
class ContextInputs:
    """Everything assembly needs, already loaded by the service."""

    session_id: str
    system_prompt: str
    now: datetime
    message: str
    budget: int
    policy: ContextPolicy
    history: Sequence[Turn] = ()  # the tail of the session, oldest first
    history_complete: bool = True  # True when `history` reaches back to the first turn
    state: JSON = field(default_factory=dict)
    summary: Summary | None = None
    knowledge: Sequence[ChunkHit] = ()  # best first
    recall: Sequence[tuple[Turn, float]] = ()  # best first
    knowledge_status: str = "ok"
    recall_status: str = "ok"
    recall_cues: Sequence[str] = ()  # what in the message steered recall, for the report
    follow_up: bool = False  # the message is about what was just said: favour the window
    # The prompt's final messages when they are not just `message` as a user message: tool
    # results with the call they answer, or a user message with image parts.
    new_messages: Sequence[Message] = ()


@dataclass(frozen=True)
class AssembledContext:
    messages: list[Message]
    report: JSON
    prompt_tokens: int


class _Assembler:
    def __init__(self, inp: ContextInputs, counter: TokenCounter) -> None:
        self.inp = inp
        self.counter = counter
        self.overhead = counter.message_overhead()
        self.report = ReportBuilder(inp.budget, inp.policy.strategy)
        self.unit_costs = tool_calls.unit_costs(inp.history, self.own_cost)

    def message_tokens(self, message: Message) -> int:
        text = tool_calls.counted_text(message)
        return self.counter.count(text) + self.overhead + (1 if message.name else 0)

    def turn_cost(self, turn: Turn) -> int:
        """A tool call and its results are charged as one (see tool_calls.unit_costs)."""
        return self.unit_costs.get(turn.seq, self.own_cost(turn))

    def own_cost(self, turn: Turn) -> int:
        if turn.role == "tool" and tool_calls.answered_id(turn) is None:
            return self.message_tokens(render.turn_message(turn))
        return turn.token_count + self.overhead + (1 if turn.name else 0)

    def fit_items(
        self,
        items: Sequence[T],
        item_text: Callable[[T], str],
        section_text: Callable[[list[T]], str],
        allowance: int,
    ) -> tuple[list[T], list[T], int]:
        """Choose items for a one-message section, then verify the rendered total.

        Item costs are estimated (text + separator); the rendered message is counted
        once, and the last item is dropped until the exact count fits.
        """
        base = self.message_tokens(render.reference(section_text([])))
        picked = pick_in_order(
            items, lambda it: self.counter.count(item_text(it)) + 1, allowance - base
        )
        chosen, dropped = list(picked.items), list(picked.dropped)
        return self.verify(chosen, dropped, section_text, allowance)

    def verify(
        self,
        chosen: list[T],
        dropped: list[T],
        section_text: Callable[[list[T]], str],
        allowance: int,
    ) -> tuple[list[T], list[T], int]:
        """The exact count of the rendered section; drop the last item until it fits."""
        while chosen:
            tokens = self.message_tokens(render.reference(section_text(chosen)))
            if tokens <= allowance:
                return chosen, dropped, tokens
            dropped.insert(0, chosen.pop())
        return [], dropped, 0


def assemble(inp: ContextInputs, counter: TokenCounter) -> AssembledContext:
    """Assemble the prompt within `inp.budget` tokens and report how it was spent."""
    a = _Assembler(inp, counter)
    policy = inp.policy
    system_msg, new_msgs, remaining = _mandatory(a)
    min_pick, rest_candidates = _minimum_recent(a, remaining)
    remaining -= min_pick.tokens
    state, state_tokens = _state(a, remaining)
    pool = remaining - state_tokens

    history_cost = sum(a.turn_cost(t) for t in rest_candidates)
    fits_all = (
        inp.history_complete
        and policy.strategy != "sliding_window"
        and history_cost <= pool - share(pool, policy.knowledge_share)
    )
    summary_msg, summary_tokens, carry = _summary(a, inp, pool, fits_all)

    knowledge_allow = share(pool, policy.knowledge_share) + carry
    hits, lost_hits, knowledge_tokens = a.fit_items(
        inp.knowledge, render.chunk_block, render.knowledge_text, knowledge_allow
    )
    a.report.knowledge(knowledge_allow, knowledge_tokens, hits, lost_hits, inp.knowledge_status)

    recall_room = pool - summary_tokens - knowledge_tokens
    recall_fraction = min(policy.recall_share, FOLLOW_UP_RECALL_SHARE if inp.follow_up else 1.0)
    recall_allow = share(recall_room, recall_fraction) if not fits_all else 0
    recalled, window, recall_tokens = _recall_and_window(
        a, inp, rest_candidates, min_pick.items, recall_allow, recall_room, fits_all
    )
    recent_turns = list(reversed(min_pick.items + window.items))
    a.report.section(
        "recent",
        recall_room - recall_tokens + min_pick.tokens,
        min_pick.tokens + window.tokens,
        [t.seq for t in recent_turns],
        [],
    )
    a.report.drop_turns(window.dropped, "budget")

    references = [
        render.state_text([line for _, line in state]) if state else None,
        summary_msg.content if summary_msg is not None else None,
        render.knowledge_text(hits) if hits else None,
        render.recall_text(recalled, inp.session_id) if recalled else None,
    ]
    messages = [system_msg, *(render.reference(text) for text in references if text)]
    messages.extend(tool_calls.render(recent_turns, render.turn_message))
    messages.extend(new_msgs)
    total = a.report.finish(counter.prompt_overhead())
    return AssembledContext(messages, a.report.data, total)


def _mandatory(a: _Assembler) -> tuple[Message, list[Message], int]:
    """The system prompt and the new message(s), which never drop; what they leave."""
    inp = a.inp
    system_msg = Message("system", render.system_text(inp.system_prompt, inp.now))
    new_msgs = list(inp.new_messages) or [Message("user", inp.message)]
    system_tokens = a.message_tokens(system_msg)
    message_tokens = sum(a.message_tokens(m) for m in new_msgs)
    remaining = check_mandatory(
        system_tokens + message_tokens + a.counter.prompt_overhead(), inp.budget
    )
    a.report.fixed("system", system_tokens, ["system_prompt"])
    a.report.fixed("message", message_tokens, ["new_message"])
    return system_msg, new_msgs, remaining


def _minimum_recent(a: _Assembler, remaining: int) -> tuple[Picked[Turn], list[Turn]]:
    """`min_recent_turns` come before any optional section; returns them and the older
    turns that the window may still take (none when the minimum did not fit whole)."""
    policy = a.inp.policy
    newest_first = list(reversed(a.inp.history))
    if policy.strategy == "sliding_window" and policy.window_turns is not None:
        outside = newest_first[policy.window_turns :]
        newest_first = newest_first[: policy.window_turns]
        a.report.drop_turns(outside, "outside sliding window")
    min_pick = pick_in_order(
        newest_first[: policy.min_recent_turns], a.turn_cost, remaining, contiguous=True
    )
    if min_pick.dropped:  # a gap would appear: stop the window here
        a.report.drop_turns(min_pick.dropped + newest_first[policy.min_recent_turns :], "budget")
        return min_pick, []
    return min_pick, newest_first[len(min_pick.items) :]


def _state(a: _Assembler, remaining: int) -> tuple[list[tuple[str, str]], int]:
    """The session state lines that fit `state_max_tokens`, and their tokens."""
    allowance = min(a.inp.policy.state_max_tokens, remaining)
    kept, lost, tokens = a.fit_items(
        render.state_lines(a.inp.state),
        lambda kv: kv[1],
        lambda kvs: render.state_text([kv[1] for kv in kvs]),
        allowance,
    )
    a.report.section(
        "state",
        allowance,
        tokens,
        [k for k, _ in kept],
        [{"id": k, "reason": "budget"} for k, _ in lost],
    )
    return kept, tokens


def _summary(
    a: _Assembler, inp: ContextInputs, pool: int, fits_all: bool
) -> tuple[Message | None, int, int]:
    """Place the rolling summary if the strategy wants it; return (message, tokens, carry)."""
    allowance = share(pool, inp.policy.summary_share)
    summary = inp.summary
    reason = None
    if inp.policy.strategy != "summarize":
        reason = f"strategy {inp.policy.strategy}"
    elif summary is None:
        reason = "no summary yet"
    elif fits_all:
        reason = "whole history fits verbatim"
    if reason is not None or summary is None:
        a.report.summary(allowance, 0, None, reason)
        return None, 0, allowance
    message = render.reference(render.summary_text(summary))
    tokens = a.message_tokens(message)
    if tokens > allowance:
        a.report.summary(allowance, 0, summary, "budget")
        return None, 0, allowance
    a.report.summary(allowance, tokens, summary, None)
    return message, tokens, allowance - tokens


def _recall_and_window(
    a: _Assembler,
    inp: ContextInputs,
    candidates: list[Turn],
    min_items: list[Turn],
    recall_allow: int,
    available: int,
    fits_all: bool,
) -> tuple[list[Turn], _Window, int]:
    """Choose recalled turns and the recent window together so they never overlap.

    The window is first sized as if recall used its whole allowance; recall takes turns
    older than that window; the window then grows into what recall left unused, and any
    recalled turn the window now covers leaves recall (repeated until stable).
    """

    def window_for(tokens: int) -> _Window:
        picked = pick_in_order(candidates, a.turn_cost, tokens, contiguous=True)
        return _Window(picked.items, picked.dropped, picked.tokens)

    window = window_for(available - recall_allow)
    if fits_all or not inp.policy.recall:
        reason = "whole history in window" if fits_all else "recall off"
        window = window_for(available)
        a.report.recall(recall_allow, 0, [], [], reason)
        return [], window, 0

    in_window = [t.seq for t in window.items + min_items]
    boundary = min(in_window) if in_window else None
    offered = [
        (t, s)
        for t, s in inp.recall
        if t.session_id != inp.session_id or boundary is None or t.seq < boundary
    ]
    chosen: list[tuple[Turn, float]] = []
    lost: list[tuple[Turn, float]] = []
    tokens = 0
    for _ in range(MAX_RECALL_ROUNDS):
        chosen, lost, tokens = _fit_recall(a, offered, inp.session_id, recall_allow)
        window = window_for(available - tokens)
        covered = {t.seq for t in window.items}
        still = [
            (t, s) for t, s in offered if not (t.session_id == inp.session_id and t.seq in covered)
        ]
        if len(still) == len(offered):
            break
        offered = still
    a.report.recall(recall_allow, tokens, chosen, lost, inp.recall_status, inp.recall_cues)
    return [t for t, _ in chosen], window, tokens


def _fit_recall(
    a: _Assembler, offered: Sequence[tuple[Turn, float]], session_id: str, allowance: int
) -> tuple[list[tuple[Turn, float]], list[tuple[Turn, float]], int]:
    """Recalled turns in rank order while they fit; each line costs its text and, for the
    first turn of a day, the day's header. The rendered section is then counted exactly."""
    room = allowance - a.message_tokens(render.reference(render.recall_text([], session_id)))
    chosen: list[tuple[Turn, float]] = []
    dropped: list[tuple[Turn, float]] = []
    headers: set[str] = set()
    used = 0
    for item in offered:
        header = render.day_header(item[0], session_id)
        cost = a.counter.count(render.recalled_line(item[0])) + 1
        if header not in headers:
            cost += a.counter.count(header) + 1
        if used + cost <= room:
            chosen.append(item)
            used += cost
            headers.add(header)
        else:
            dropped.append(item)
    text = lambda items: render.recall_text([t for t, _ in items], session_id)  # noqa: E731
    return a.verify(chosen, dropped, text, allowance)


@dataclass(frozen=True)
class _Window:
    items: list[Turn]
    dropped: list[Turn]
    tokens: int
