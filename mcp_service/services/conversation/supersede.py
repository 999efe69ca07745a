"""Superseding turns (a regenerate or an edit): they leave the conversation but stay in the
table until retention or a delete removes them, like any other turn."""

from __future__ import annotations

import logging

from mcp_service.domain.errors import VectorStoreUnavailable
from mcp_service.domain.repositories import UnitOfWork
from mcp_service.services.conversation.memory import SUMMARIZE
from mcp_service.services.conversation.snapshot import SessionSnapshot
from mcp_service.services.deps import Deps

log = logging.getLogger(__name__)


async def supersede_turns(
    uow: UnitOfWork,
    deps: Deps,
    tenant_id: str,
    session_id: str,
    from_seq: int,
    snapshot: SessionSnapshot,
) -> list[int]:
    """Inside the write transaction: mark the turns from `from_seq` on superseded. A
    summary that folded any of them is dropped and folded again from the current turns."""
    seqs = await uow.turns.supersede(tenant_id, session_id, from_seq, deps.now())
    if seqs and snapshot.summary_through >= seqs[0]:
        await uow.summaries.delete_session(tenant_id, session_id)
        await uow.jobs.enqueue(SUMMARIZE, {"session_id": session_id}, tenant_id=tenant_id)
    return seqs


async def drop_vectors(deps: Deps, tenant_id: str, session_id: str, seqs: list[int]) -> None:
    """After the commit: the superseded turns' vectors go too (best effort: recall already
    skips a hit whose turn is superseded, so a vector store outage only delays this)."""
    if not seqs:
        return
    try:
        await deps.vectors.delete_turns(tenant_id, session_id=session_id, seqs=seqs)
    except VectorStoreUnavailable as exc:
        log.warning("superseded turns' vectors kept for now: %s", exc.message)
