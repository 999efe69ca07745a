"""The OpenAI Conversations and Responses objects over sessions: a conversation is a
session, its items are the session's turns, a response is a recorded reply."""

from __future__ import annotations

from collections.abc import Sequence

from mcp_service.domain.errors import NotFound
from mcp_service.domain.model import JSON, Message, Session, Turn
from mcp_service.services.conversation.sessions import SessionService, record_turns
from mcp_service.services.conversation.turn_input import INPUT_SEQ, new_turn
from mcp_service.services.deps import Deps
from mcp_service.services.validation import require_message

# How far after its input a reply is looked for (a concurrent request may write between).
REPLY_SEARCH_TURNS = 20


class ConversationService:
    def __init__(self, deps: Deps, sessions: SessionService) -> None:
        self.deps = deps
        self.sessions = sessions

    async def create(
        self,
        tenant_id: str,
        session_id: str,
        *,
        metadata: JSON,
        items: Sequence[Message] = (),
        user_id: str | None = None,
    ) -> Session:
        """A new session, with initial items recorded as its first turns."""
        fields: JSON = {"metadata": metadata}
        if user_id is not None:
            fields["user_id"] = user_id
        session = await self.sessions.create(tenant_id, session_id, fields)
        if items:
            await self.add_items(tenant_id, session_id, items)
        return session

    async def add_items(
        self, tenant_id: str, session_id: str, items: Sequence[Message]
    ) -> list[Turn]:
        await self.sessions.get(tenant_id, session_id)  # 404 unless it exists
        limit = self.deps.config.max_message_chars
        for i, item in enumerate(items):
            if len(item.content) > limit:
                require_message(item.content, max_chars=limit, field=f"items[{i}]")
        now = self.deps.now()
        turns = [new_turn(m, self.deps.counter, now) for m in items]
        return await record_turns(self.deps, tenant_id, session_id, turns)

    async def items(
        self,
        tenant_id: str,
        session_id: str,
        *,
        limit: int,
        after_seq: int | None,
        newest_first: bool,
    ) -> list[Turn]:
        """The session's current turns, a page at a time, in either order."""
        async with self.deps.uow() as uow:
            if await uow.sessions.get(tenant_id, session_id) is None:
                raise NotFound(f"conversation {session_id!r} not found", field="conversation_id")
            if newest_first:
                return list(
                    reversed(
                        await uow.turns.recent(
                            tenant_id, session_id, limit=limit, before_seq=after_seq
                        )
                    )
                )
            return await uow.turns.page(
                tenant_id, session_id, limit=limit, after_seq=after_seq or 0
            )

    async def reply(self, tenant_id: str, session_id: str, input_seq: int) -> Turn:
        """The reply recorded for an input turn: the assistant turn after it that says it
        answered it (the current one, else the latest superseded one: a response stays
        retrievable after a fork)."""
        async with self.deps.uow() as uow:
            turns = await uow.turns.page(
                tenant_id,
                session_id,
                limit=REPLY_SEARCH_TURNS,
                after_seq=input_seq,
                include_superseded=True,
            )
        replies = [
            t for t in turns if t.role == "assistant" and t.metadata.get(INPUT_SEQ) == input_seq
        ]
        current = [t for t in replies if t.superseded_at is None]
        if not (current or replies):
            raise NotFound(f"no response answers turn {input_seq}", field="response_id")
        return (current or replies)[-1]
