"""Reading what a request's messages are reconciled with (rules in domain/reconcile.py)."""

from __future__ import annotations

from collections.abc import Sequence

from mcp_service.domain.model import Message, Turn
from mcp_service.domain.reconcile import Reconciled, Recorded, append, reconcile
from mcp_service.services.deps import Deps

# Turns read beyond the body's length at the end of the session: room for a regenerate
# whose answer was a long tool-call loop.
TAIL_MARGIN = 16


class Reconciler:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def plan(
        self, tenant_id: str, session_id: str, body: Sequence[Message], *, full_history: bool
    ) -> Reconciled:
        """Reconcile a chat request's messages (system ones removed) with the session:
        its first turns and its last ones, as many as the body could cover."""
        wanted = len(body) + 1
        async with self.deps.uow() as uow:
            # One read covers a session no longer than the body (the usual case for a chat
            # UI resending the conversation); a longer one needs its first turns as well.
            tail = await uow.turns.recent(tenant_id, session_id, limit=wanted + TAIL_MARGIN)
            if len(tail) < wanted + TAIL_MARGIN:
                recorded = Recorded.of(_conversation(tail))
            else:
                head = await uow.turns.page(tenant_id, session_id, limit=wanted)
                recorded = Recorded(_conversation(head), _conversation(tail), False)
        return reconcile(body, recorded, full_history=full_history)

    async def after(
        self, tenant_id: str, session_id: str, body: Sequence[Message], after_seq: int | None
    ) -> Reconciled:
        """The body's messages (all new) follow turn `after_seq` (the latest turn when
        None); turns recorded after it are superseded (a fork, in Responses API terms)."""
        async with self.deps.uow() as uow:
            before = after_seq + 1 if after_seq is not None else None
            tail = await uow.turns.recent(
                tenant_id, session_id, limit=TAIL_MARGIN, before_seq=before
            )
            newest = await uow.turns.recent_costs(tenant_id, session_id, limit=1)
        later = after_seq is not None and bool(newest) and newest[0][0] > after_seq
        recorded = Recorded(_conversation(tail), _conversation(tail), False)
        return append(body, recorded, after_seq + 1 if later and after_seq is not None else None)


def _conversation(turns: Sequence[Turn]) -> list[Turn]:
    """System turns (set through the turns API) are never part of a client's messages."""
    return [t for t in turns if t.role != "system"]
