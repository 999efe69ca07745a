"""Combining a dense and a lexical (BM25) result list without losing their margins.

Rank fusion (RRF) keeps only the order of each leg: an exact identifier that BM25 puts
far ahead of everything else counts the same as a near tie. Here each leg keeps its
score: the dense cosine as it is, BM25 divided by the best BM25 score of the query (so
1.0 is "the best lexical match there is", and a weak best match stays weak through the
floor), added with a weight. A point found by one leg only gets the other leg's lowest
score seen (it was not in that leg's top list, so it scores at most that).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

# How much the lexical leg counts, by what is searched. Measured with `scripts/bench
# context` (turns: conversational questions rarely share words with their answers) and
# `scripts/bench search` (chunks: exact identifiers among look-alike documents); see
# docs/context-quality.md.
LEXICAL_WEIGHT = 0.3
TURN_LEXICAL_WEIGHT = 0.1
# A best BM25 score below this is a weak match (a common word or two): normalising by it
# would make it look like an exact hit.
LEXICAL_FLOOR = 6.0
# Retrieved knowledge scoring below the floor of its search mode is not put in the prompt.
# Chosen with `scripts/bench search` (best score per message): questions with an answer
# score at least 0.49 fused / 0.245 dense, unrelated messages ("Hi, I am Dana from QA.",
# "Tell me a joke") at most 0.35 / 0.22, and the README's follow-up "And when do they
# expire?" 0.37 / 0.35 against its vacation policy. Lexical scores are raw BM25: any
# match counts.
KNOWLEDGE_FLOORS = {"hybrid": 0.3, "dense": 0.24, "lexical": 0.0}


@dataclass(frozen=True)
class Fused(Generic[K]):
    key: K
    score: float
    dense: float | None  # None: not in the dense leg's list
    lexical: float | None  # None: not in the lexical leg's list

    @property
    def legs(self) -> tuple[str, ...]:
        found = ("dense",) if self.dense is not None else ()
        return (*found, "lexical") if self.lexical is not None else found


def fuse(
    dense: Sequence[tuple[K, float]],
    lexical: Sequence[tuple[K, float]],
    *,
    lexical_weight: float = LEXICAL_WEIGHT,
    lexical_floor: float = LEXICAL_FLOOR,
) -> list[Fused[K]]:
    """Both legs' hits, best first, scored `dense + weight * lexical / max(best, floor)`.

    Each leg is a list of (key, score), best first, as the store returned it.
    """
    dense_scores = dict(dense)
    lexical_scores = dict(lexical)
    dense_missing = min(dense_scores.values(), default=0.0)
    best = max(lexical_scores.values(), default=0.0)
    scale = max(best, lexical_floor)
    out: list[Fused[K]] = []
    for key in dict.fromkeys([k for k, _ in dense] + [k for k, _ in lexical]):
        d = dense_scores.get(key)
        x = lexical_scores.get(key)
        score = (d if d is not None else dense_missing) + lexical_weight * (x or 0.0) / scale
        out.append(Fused(key, score, d, x))
    out.sort(key=lambda f: -f.score)
    return out
