"""Recently read turns, kept in memory so that a chat does not re-read and re-convert its
session's history on every message.

Safe because turns are immutable once written (only deleted): the database still says
which turns exist on every read (`TurnRepository.recent_costs`), so a deleted turn is
never served from here, and only the turns missing from the cache are loaded. Entries
are keyed by the session's creation time as well, so a session deleted and created
again under the same id (its sequence numbers start over) never sees the old turns.
Process-local and bounded (least recently used sessions are dropped first); correct with
several replicas, since the database decides which turns exist.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime

from mcp_service.domain.model import Turn

CacheKey = tuple[str, str, datetime]  # tenant, session id, session created_at
DEFAULT_MAX_CHARS = 16_000_000  # of turn content, ~ tens of MB resident


class TurnCache:
    def __init__(self, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self.max_chars = max_chars
        self._sessions: OrderedDict[CacheKey, dict[int, Turn]] = OrderedDict()
        self._chars = 0

    def lookup(self, key: CacheKey, seqs: Sequence[int]) -> dict[int, Turn]:
        """The cached turns among `seqs`."""
        entry = self._sessions.get(key)
        if entry is None:
            return {}
        self._sessions.move_to_end(key)
        return {s: entry[s] for s in seqs if s in entry}

    def store(self, key: CacheKey, turns: Iterable[Turn], keep: Sequence[int]) -> None:
        """Add `turns`, and drop the session's cached turns that are not in `keep` (the
        seqs the database listed now: older ones left the window or were deleted)."""
        entry = self._sessions.setdefault(key, {})
        self._sessions.move_to_end(key)
        wanted = set(keep)
        for seq in [s for s in entry if s not in wanted]:
            self._chars -= len(entry.pop(seq).content)
        for turn in turns:
            if turn.seq in wanted and turn.seq not in entry:
                entry[turn.seq] = turn
                self._chars += len(turn.content)
        while self._chars > self.max_chars and self._sessions:
            _, dropped = self._sessions.popitem(last=False)
            self._chars -= sum(len(t.content) for t in dropped.values())

    def forget(self, tenant_id: str, session_id: str) -> None:
        """Drop a session's turns now (it, or some of its turns, were deleted): not needed
        for correctness, but deleted content should not linger in memory."""
        for key in [k for k in self._sessions if k[0] == tenant_id and k[1] == session_id]:
            self._chars -= sum(len(t.content) for t in self._sessions.pop(key).values())

    def __len__(self) -> int:
        return sum(len(e) for e in self._sessions.values())
