"""Extractive summarisation: choose the sentences that best cover the conversation.

Pure selection over precomputed sentence vectors (maximal marginal relevance against the
centroid), bounded in tokens and returned in chronological order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if len(s.strip()) > 2]


def _cos(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a)) or 1.0
    nb = math.sqrt(sum(y * y for y in b)) or 1.0
    return dot / (na * nb)


def select(
    candidates: Sequence[str],
    vectors: Sequence[Sequence[float]],
    count: Callable[[str], int],
    max_tokens: int,
    *,
    diversity: float = 0.3,
) -> list[str]:
    """Pick candidates (kept in their original order) whose total is within `max_tokens`."""
    if not candidates:
        return []
    dim = len(vectors[0])
    centroid = [sum(v[i] for v in vectors) / len(vectors) for i in range(dim)]
    relevance = [_cos(v, centroid) for v in vectors]
    chosen: list[int] = []
    used = 0
    remaining = set(range(len(candidates)))
    while remaining:

        def mmr(i: int) -> float:
            overlap = max((_cos(vectors[i], vectors[j]) for j in chosen), default=0.0)
            return (1 - diversity) * relevance[i] - diversity * overlap

        best = max(remaining, key=mmr)
        remaining.discard(best)
        cost = count(candidates[best]) + 1
        if used + cost <= max_tokens:
            chosen.append(best)
            used += cost
    return [candidates[i] for i in sorted(chosen)]
