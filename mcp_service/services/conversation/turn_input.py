"""One chat turn's input: what it records before the model is called, and the options."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from mcp_service.domain import tool_calls
from mcp_service.domain.content_parts import notes
from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.model import JSON, Message, NewTurn, Session, Turn
from mcp_service.domain.ports import TokenCounter
from mcp_service.domain.reconcile import Reconciled
from mcp_service.services.validation import require_message

INPUT_SEQ = "input_seq"  # reply metadata: the seq of the input turn it answers


@dataclass(frozen=True)
class TurnRequest:
    """A reconciled request and how to answer it."""

    plan: Reconciled
    query: str  # what knowledge and recall search with (the latest user text)
    model: str | None = None
    max_context_tokens: int | None = None
    params: JSON | None = None
    system_prompt: str | None = None  # replaces the session's for this call
    session_fields: JSON = field(default_factory=dict)  # for a session this turn creates
    reply_metadata: JSON = field(default_factory=dict)  # added to the reply's metadata

    @staticmethod
    def message(
        text: str,
        model: str | None = None,
        max_context_tokens: int | None = None,
        params: JSON | None = None,
    ) -> TurnRequest:
        """A single new user message (the session chat API)."""
        plan = Reconciled.message(Message("user", text))
        return TurnRequest(plan, text, model, max_context_tokens, params)


def new_turn(message: Message, counter: TokenCounter, created_at: datetime) -> NewTurn:
    """A body message as the turn that records it: the text, the tool calls or the call it
    answers, and a note of non-text parts (never their bytes)."""
    metadata: JSON = {}
    if message.tool_calls:
        metadata[tool_calls.TOOL_CALLS] = [dict(c) for c in message.tool_calls]
    if message.tool_call_id is not None:
        metadata[tool_calls.TOOL_CALL_ID] = message.tool_call_id
    if message.attachments:
        metadata["parts"] = notes(message.attachments)
    role = message.role if message.role in ("user", "assistant", "tool") else "user"
    return NewTurn(
        role=role,  # type: ignore[arg-type]
        content=message.content,
        name=message.name,
        created_at=created_at,
        metadata=metadata,
        token_count=counter.count(tool_calls.counted_text(message)),
    )


def check_sizes(plan: Reconciled, max_chars: int) -> None:
    """Every message to be recorded within the size limit; a user message not empty."""
    for i, message in enumerate(plan.new):
        field_name = "message" if i == len(plan.new) - 1 else "messages"
        if (message.role == "user" and not message.attachments) or len(message.content) > max_chars:
            require_message(message.content, max_chars=max_chars, field=field_name)
    if not plan.new and plan.input_turn is None:
        raise InvalidInput("the request adds nothing to answer", field="messages")


def provisional_turns(session: Session, exists: bool, pending: Sequence[NewTurn]) -> list[Turn]:
    """Turns about to be recorded, numbered as they will be (for the prompt's history)."""
    after = session.turn_count if exists else 0
    return [
        Turn(
            session.tenant_id,
            session.id,
            after + i + 1,
            t.role,
            t.content,
            t.name,
            t.token_count,
            t.created_at or session.last_activity_at,
            t.metadata,
        )
        for i, t in enumerate(pending)
    ]
