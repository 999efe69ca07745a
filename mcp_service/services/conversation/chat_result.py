"""The outcome of one chat turn, as the API layers render it."""

from __future__ import annotations

from dataclasses import dataclass

from mcp_service.domain import tool_calls
from mcp_service.domain.model import JSON, Turn


@dataclass(frozen=True)
class ChatResult:
    user_turn: Turn  # the input answered: the user message, or the last tool result
    reply: Turn
    usage: JSON
    report: JSON
    model: str

    @property
    def finish_reason(self) -> str | None:
        reason = self.reply.metadata.get("finish_reason")
        return str(reason) if reason is not None else None

    @property
    def tool_calls(self) -> list[JSON]:
        """The reply's tool calls, as the gateway sent them."""
        return tool_calls.calls_of(self.reply)

    @property
    def error(self) -> str | None:
        """Why the reply is incomplete (None when it is complete)."""
        error = self.reply.metadata.get("error") or self.reply.metadata.get("incomplete_reason")
        return str(error) if self.reply.status != "complete" and error else None
