"""Extractive summarisation: choose the sentences that best cover the conversation.

Pure selection (maximal marginal relevance against the centroid) over a precomputed
similarity matrix, bounded in tokens and returned in the original order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if len(s.strip()) > 2]


def select(
    candidates: Sequence[str],
    relevance: Sequence[float],
    similarity: Sequence[Sequence[float]],
    count: Callable[[str], int],
    max_tokens: int,
    *,
    diversity: float = 0.3,
) -> list[str]:
    """Pick candidates (kept in their original order) whose total is within `max_tokens`.

    `relevance[i]` is how central candidate i is; `similarity[i][j]` how alike two are.
    """
    n = len(candidates)
    costs = [count(c) + 1 for c in candidates]
    overlap = [0.0] * n  # max similarity to anything chosen so far
    remaining = set(range(n))
    chosen: list[int] = []
    room = max_tokens
    while remaining:
        fitting = [i for i in remaining if costs[i] <= room]
        if not fitting:
            break
        best = max(fitting, key=lambda i: (1 - diversity) * relevance[i] - diversity * overlap[i])
        remaining.discard(best)
        chosen.append(best)
        room -= costs[best]
        row = similarity[best]
        for i in remaining:
            overlap[i] = max(overlap[i], row[i])
    return [candidates[i] for i in sorted(chosen)]
