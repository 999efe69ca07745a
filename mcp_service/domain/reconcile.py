"""What a chat request adds to a session: its messages reconciled with the recorded turns.

Clients of `/v1/chat/completions` send anything from the new message alone to the whole
conversation. The body's messages (system messages aside) are compared with the recorded,
non-superseded turns, in this order (the README lists the same rules):

1. **From the start.** The body's first message is the session's first turn: walk both
   while they agree. The body goes past the recorded turns → the rest is new (append);
   it stops where they stop → nothing is new (a retry of the unanswered last input); it
   stops earlier, at an answered input → **regenerate**: the turns after it are
   superseded; it differs at some point → **edit**: the turns from there on are
   superseded and the body's messages from there on are new.
2. **At the end.** The body's first messages are the session's last turns (a client that
   sends a trimmed history, or only the new message after the last reply): the rest is
   new. A body that ends at the last input, whose answer is recorded → regenerate.
3. **Nothing agrees.** A new session records the whole body. A chat UI that always sends
   the whole conversation (`full_history`) edited its first message: every turn is
   superseded and the body recorded. Otherwise the earlier messages are the client's own
   and only the new input is recorded.

A body of one message from a client not known to send the whole conversation is only
compared with the end (rule 2): "hi" sent again later is a new message, not an edit of
the first one. When rules 1 and 2 both apply, the one that accounts for more of the body
wins (a trimmed history that happens to begin like the session is not an edit).

The new input is the trailing user message, or the trailing tool results together with
the assistant message whose calls they answer: the prompt ends with those (whole).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mcp_service.domain import tool_calls
from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.model import Message, Turn

Kind = Literal["append", "retry", "regenerate", "edit", "replace", "new_only"]
FIELD = "messages"


@dataclass(frozen=True)
class Reconciled:
    """What to write and what to assemble for one request."""

    kind: Kind
    new: tuple[Message, ...]  # body messages to record, oldest first
    tail: tuple[Message, ...]  # the prompt's final messages (the input, and its call)
    supersede_from: int | None = None  # recorded turns from this seq on are superseded
    history_before: int | None = None  # the prompt's history stops before this seq
    input_turn: Turn | None = None  # the input, when it is recorded already

    @staticmethod
    def message(message: Message) -> Reconciled:
        """A single new message appended (the session chat API, MCP)."""
        return Reconciled("append", (message,), (message,))

    @property
    def imported(self) -> tuple[Message, ...]:
        """The new messages before the input: history the client had and we did not."""
        overlap = min(len(self.new), len(self.tail))
        return self.new[: len(self.new) - overlap]


@dataclass(frozen=True)
class Recorded:
    """The recorded turns a reconciliation sees (system turns left out): the first ones
    and the last ones, which are the same list when the session is short."""

    head: Sequence[Turn]
    tail: Sequence[Turn]
    head_is_all: bool  # `head` holds every turn

    @staticmethod
    def of(turns: Sequence[Turn]) -> Recorded:
        return Recorded(turns, turns, True)


def reconcile(body: Sequence[Message], recorded: Recorded, *, full_history: bool) -> Reconciled:
    """Apply the module's rules to the body's messages (system messages removed)."""
    start = input_start(body)
    if not recorded.tail:
        return _finish("append", body, 0, recorded, None, None)  # a new session: all of it
    from_start = _from_start(body, recorded, full_history)
    at_end = _at_end(body, recorded)
    if from_start is not None and (at_end is None or from_start[1] >= at_end[1]):
        return from_start[0]
    if at_end is not None:
        return at_end[0]
    if full_history:
        return _finish("replace", body, 0, recorded, recorded.head[0].seq, None)
    return _finish("new_only", body, start, recorded, None, None)


def input_start(body: Sequence[Message]) -> int:
    """Where the new input begins: the last message if it is a user message; the first
    of the trailing tool messages otherwise (their call must come right before them)."""
    if not body:
        raise InvalidInput("messages must contain a user message (or tool results)", field=FIELD)
    last = body[-1]
    if last.role == "user":
        return len(body) - 1
    if last.role != "tool":
        raise InvalidInput(
            f"the last message must be a user or tool message, not {last.role!r}", field=FIELD
        )
    start = len(body) - 1
    while start > 0 and body[start - 1].role == "tool":
        start -= 1
    if start > 0:
        call = body[start - 1]
        wanted = {m.tool_call_id for m in body[start:]}
        if call.role != "assistant" or not wanted <= set(tool_calls.call_ids(call.tool_calls)):
            raise InvalidInput(
                "tool messages must follow the assistant message whose tool_calls they answer",
                field=FIELD,
            )
    return start


def same(message: Message, turn: Turn) -> bool:
    """Whether a body message is this recorded turn (whitespace aside)."""
    if message.role != turn.role:
        return False
    if message.role == "assistant":
        ids = tool_calls.call_ids(message.tool_calls)
        if ids or tool_calls.calls_of(turn):
            return ids == tool_calls.call_ids(tool_calls.calls_of(turn))
    if message.role == "tool" and message.tool_call_id != tool_calls.answered_id(turn):
        return False
    return _norm(message.content) == _norm(turn.content)


def _from_start(
    body: Sequence[Message], recorded: Recorded, full_history: bool
) -> tuple[Reconciled, int] | None:
    head = recorded.head
    if len(body) == 1 and not full_history:
        return None
    matched = 0
    while matched < min(len(body), len(head)) and same(body[matched], head[matched]):
        matched += 1
    if matched == 0:
        return None
    last = head[matched - 1]
    if recorded.head_is_all and matched == len(head):
        kind: Kind = "retry" if matched == len(body) else "append"
        return _finish(kind, body, matched, recorded, None, last), matched
    cut = head[matched].seq
    kind = "regenerate" if matched == len(body) else "edit"
    return _finish(kind, body, matched, recorded, cut, last), matched


def _at_end(body: Sequence[Message], recorded: Recorded) -> tuple[Reconciled, int] | None:
    tail = recorded.tail
    for k in range(min(len(body), len(tail)), 0, -1):
        if all(same(body[i], tail[len(tail) - k + i]) for i in range(k)):
            kind: Kind = "retry" if k == len(body) else "append"
            return _finish(kind, body, k, recorded, None, tail[-1]), k
    # A regenerate: the body ends at the last user input or later, and only the answer
    # (assistant and tool turns) follows it.
    last_user = max((i for i, t in enumerate(tail) if t.role == "user"), default=None)
    if last_user is None:
        return None
    k = len(body)
    for end in range(len(tail) - 1, last_user, -1):  # tail[end:] is the answer
        if end >= k and all(same(body[i], tail[end - k + i]) for i in range(k)):
            return _finish("regenerate", body, k, recorded, tail[end].seq, tail[end - 1]), k
    return None


def _finish(
    kind: Kind,
    body: Sequence[Message],
    matched: int,
    recorded: Recorded,
    supersede_from: int | None,
    last_matched: Turn | None,
) -> Reconciled:
    """Settle what is new, the tail (the input with the call it answers) and where the
    prompt's history stops (before the first tail message that is recorded)."""
    start = input_start(body)
    with_call = start > 0 and body[start].role == "tool"  # the call comes right before
    tail = tuple(body[start - 1 :] if with_call else body[start:])
    history_before = supersede_from
    if kind == "new_only":  # the body's earlier messages are the client's own
        matched, history_before = start, None
        if with_call:
            call = _recorded_call(body, recorded, None)
            if call is None:
                matched = start - 1  # the call is new too: record it with its results
            else:
                history_before = call.seq
    new = tuple(body[matched:])
    input_turn = last_matched if matched == len(body) else None
    if start == 0 and body[0].role == "tool":  # the call they answer is recorded
        call = _recorded_call(body, recorded, supersede_from)
        if call is None:
            raise InvalidInput(
                "tool results must answer the tool calls of the last assistant message",
                field=FIELD,
            )
        tail = (_call_message(call), *tail)
        history_before = _earliest(history_before, call.seq)
    elif len(tail) > len(new) and last_matched is not None:
        first = _nth_back(recorded, last_matched, len(tail) - len(new) - 1)
        history_before = _earliest(history_before, first)
    return Reconciled(kind, new, tail, supersede_from, history_before, input_turn)


def _recorded_call(body: Sequence[Message], recorded: Recorded, cut: int | None) -> Turn | None:
    """The latest recorded assistant turn (before `cut`) whose calls the body's trailing
    tool messages answer, unless a user turn or other calls come after it."""
    wanted = {m.tool_call_id for m in body[input_start(body) :]}
    for turn in reversed(recorded.tail):
        if cut is not None and turn.seq >= cut:
            continue
        ids = set(tool_calls.call_ids(tool_calls.calls_of(turn)))
        if ids:
            return turn if wanted <= ids else None
        if turn.role == "user":
            return None
    return None


def _call_message(turn: Turn) -> Message:
    return Message("assistant", turn.content, tool_calls=tuple(tool_calls.calls_of(turn)))


def _nth_back(recorded: Recorded, turn: Turn, steps: int) -> int | None:
    """The seq of the recorded turn `steps` before `turn` (0: the turn itself)."""
    for turns in (recorded.tail, recorded.head):
        seqs = [t.seq for t in turns]
        if turn.seq in seqs and seqs.index(turn.seq) >= steps:
            return seqs[seqs.index(turn.seq) - steps]
    return None


def _earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _norm(text: str) -> str:
    return " ".join(text.split())


def append(
    body: Sequence[Message], recorded: Recorded, supersede_from: int | None = None
) -> Reconciled:
    """Every body message is new (the Responses API sends only new items); with
    `supersede_from`, the input continues an earlier reply and what followed it is
    superseded."""
    return _finish("append", body, 0, recorded, supersede_from, None)
