"""Requests that belong to no conversation (a chat UI's background tasks): forwarded to
the gateway as they came, nothing read or recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from mcp_service.domain.model import JSON, Completion, Message
from mcp_service.services.deps import Deps
from mcp_service.services.validation import require_message


def _check(deps: Deps, messages: Sequence[Message]) -> None:
    limit = deps.config.max_message_chars * 4  # a task prompt pastes the chat in
    for message in messages:
        if len(message.content) > limit:
            require_message(message.content, max_chars=limit, field="messages")


async def complete(
    deps: Deps, messages: Sequence[Message], model: str | None, params: JSON
) -> Completion:
    _check(deps, messages)
    return await deps.gateway.complete(messages, model=model, params=params)


def stream(
    deps: Deps, messages: Sequence[Message], model: str | None, params: JSON
) -> AsyncIterator[JSON]:
    _check(deps, messages)
    return deps.gateway.stream(messages, model=model, params=params)
