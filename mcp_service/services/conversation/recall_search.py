"""Finding the older turns worth recalling for a message (reads only).

The vector store returns candidates by fused dense + BM25 score, as many as the recall
allowance could hold (not a fixed top-k). When the message names a time ("in May",
"two weeks after the trip"), a second search looks only at the turns written then, so
that the right one is among the candidates even when look-alikes from other dates score
higher. The domain's ranking (domain/recall.py) then adds the question's cues, the
answers that follow recalled questions, and the relevance floor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mcp_service.domain import recall, timeref
from mcp_service.domain.model import Session, Turn, TurnHit
from mcp_service.domain.repositories import UnitOfWork
from mcp_service.services.deps import Deps

# Candidates per leg: about what the allowance can hold (a recalled line costs ~20-40
# tokens), with room for the ranking to reorder them.
TOKENS_PER_CANDIDATE = 12
MIN_DEPTH, MAX_DEPTH = 40, 400


@dataclass(frozen=True)
class Recalled:
    ranked: list[tuple[Turn, float]]
    cues: list[str]
    follow_up: bool
    status: str = "ok"


def depth_for(allowance: int) -> int:
    return max(MIN_DEPTH, min(MAX_DEPTH, allowance // TOKENS_PER_CANDIDATE))


class RecallSearch:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def find(
        self,
        session: Session,
        history: Sequence[Turn],
        vector: list[float],
        message: str,
        *,
        by_user: bool,
        allowance: int,
    ) -> Recalled:
        """Ranked older turns for `message` (best first) and what steered them."""
        newest = history[-1].seq + 1 if history else None
        speakers = {t.name for t in history if t.name}
        cue = recall.cues(message, self.deps.now(), speakers)
        depth = depth_for(allowance)
        hits = await self._search(session, vector, message, by_user, newest, depth)
        async with self.deps.uow() as uow:
            if by_user:  # vectors carry the owner they were embedded with: trust the row
                hits = await _owned_by(uow, session, hits)
            turns = await self._load(uow, session, hits)
            candidates = [
                recall.Candidate(turns[(h.session_id, h.seq)], h.score, h.dense)
                for h in hits
                if (h.session_id, h.seq) in turns  # deleted since it was indexed
            ]
            span = recall.resolve_anchor(cue, candidates)
            if span is not None and not by_user:
                extra = await self._in_span(uow, session, vector, message, span, newest, depth)
                turns.update(await self._load(uow, session, extra))
                candidates += [
                    recall.Candidate(turns[(h.session_id, h.seq)], h.score, h.dense)
                    for h in extra
                    if (h.session_id, h.seq) in turns
                ]
            following = await self._following(uow, session, candidates, turns, newest)
        ranked = recall.rank(candidates, cue, time_range=span, following=following)
        labels = cue.labels
        if span is not None:
            labels.append(f"time range {span.start:%Y-%m-%d}..{span.end:%Y-%m-%d}")
        return Recalled(ranked.turns, labels, cue.follow_up, ranked.status)

    async def _search(
        self,
        session: Session,
        vector: list[float],
        message: str,
        by_user: bool,
        newest: int | None,
        depth: int,
        from_seq: int | None = None,
    ) -> list[TurnHit]:
        return await self.deps.vectors.search_turns(
            session.tenant_id,
            vector,
            message,
            session_id=None if by_user else session.id,
            user_id=session.user_id if by_user else None,
            before_seq=None if by_user else newest,
            top_k=depth,
            from_seq=from_seq,
        )

    async def _in_span(
        self,
        uow: UnitOfWork,
        session: Session,
        vector: list[float],
        message: str,
        span: timeref.TimeRange,
        newest: int | None,
        depth: int,
    ) -> list[TurnHit]:
        told_by = span.end + recall.TOLD_LATER
        seqs = await uow.turns.seq_span(session.tenant_id, session.id, span.start, told_by)
        if seqs is None:
            return []
        before = seqs[1] + 1 if newest is None else min(seqs[1] + 1, newest)
        return await self.deps.vectors.search_turns(
            session.tenant_id,
            vector,
            message,
            session_id=session.id,
            user_id=None,
            before_seq=before,
            top_k=max(MIN_DEPTH, depth // 2),
            from_seq=seqs[0],
        )

    async def _load(
        self, uow: UnitOfWork, session: Session, hits: Sequence[TurnHit]
    ) -> dict[tuple[str, int], Turn]:
        return await self._turns(uow, session, [(h.session_id, h.seq) for h in hits])

    async def _following(
        self,
        uow: UnitOfWork,
        session: Session,
        candidates: Sequence[recall.Candidate],
        turns: dict[tuple[str, int], Turn],
        newest: int | None,
    ) -> dict[tuple[str, int], Turn]:
        """The turn after each recalled question (an answer often shares no words with a
        later question about it); loaded only for candidates that ask something."""
        wanted = [
            (c.turn.session_id, c.turn.seq + 1)
            for c in candidates
            if "?" in c.turn.content
            and (c.turn.session_id != session.id or newest is None or c.turn.seq + 1 < newest)
        ]
        missing = [k for k in wanted if k not in turns]
        turns.update(await self._turns(uow, session, missing))
        return {(k[0], k[1] - 1): turns[k] for k in wanted if k in turns}

    async def _turns(
        self, uow: UnitOfWork, session: Session, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], Turn]:
        """Turns by key, read from the database (it decides which turns still exist)."""
        if not keys:
            return {}
        loaded = await uow.turns.get_many(session.tenant_id, list(dict.fromkeys(keys)))
        return {(t.session_id, t.seq): t for t in loaded}


async def _owned_by(uow: UnitOfWork, session: Session, hits: list[TurnHit]) -> list[TurnHit]:
    """The hits whose session belongs to the session's user now (a session moved to
    another user keeps old-owner vectors until they are re-tagged)."""
    owners: dict[str, str | None] = {session.id: session.user_id}
    for sid in {h.session_id for h in hits} - set(owners):
        other = await uow.sessions.get(session.tenant_id, sid)
        owners[sid] = other.user_id if other is not None else None
    return [h for h in hits if owners[h.session_id] == session.user_id]
