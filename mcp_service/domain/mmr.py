"""Maximal marginal relevance: re-order search hits so the top ones say different things.

Relevance is each hit's own search score relative to the best candidate's, so
MMR works the same over dense, lexical and hybrid rankings; redundancy is the cosine
similarity of the hits' dense vectors.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

DEFAULT_LAMBDA = 0.5


def mmr_order(
    scores: Sequence[float],
    vectors: Sequence[Sequence[float]],
    k: int,
    lambda_: float = DEFAULT_LAMBDA,
) -> list[int]:
    """Indices of the `k` candidates MMR picks, in pick order.

    Each step takes the candidate maximising
    `lambda_ * relevance - (1 - lambda_) * max(similarity to those already picked)`.
    `lambda_ = 1` keeps the original ranking; `0` maximises diversity.
    """
    if len(scores) != len(vectors):
        raise ValueError(f"{len(scores)} scores but {len(vectors)} vectors")
    if not 0.0 <= lambda_ <= 1.0:
        raise ValueError(f"lambda must be within [0, 1], got {lambda_}")
    relevance = _normalised(scores)
    units = [_unit(v) for v in vectors]
    remaining = list(range(len(scores)))
    picked: list[int] = []
    closest = [0.0] * len(scores)  # each candidate's highest similarity to a picked one
    while remaining and len(picked) < k:
        best = max(remaining, key=lambda i: lambda_ * relevance[i] - (1.0 - lambda_) * closest[i])
        picked.append(best)
        remaining.remove(best)
        for i in remaining:
            closest[i] = max(closest[i], _dot(units[i], units[best]))
    return picked


def _normalised(scores: Sequence[float]) -> list[float]:
    """Scores as a share of the best one, so cosine, BM25 and RRF scores all land in
    [0, 1] without stretching small differences (as min-max scaling would)."""
    if not scores:
        return []
    high = max(scores)
    if high > 0:
        return [max(s, 0.0) / high for s in scores]
    low = min(scores)
    if high - low <= 1e-12:
        return [1.0] * len(scores)
    return [(s - low) / (high - low) for s in scores]


def _unit(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(_dot(vector, vector))
    return [x / norm for x in vector] if norm > 0 else list(vector)


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return float(sum(map(operator.mul, a, b)))
