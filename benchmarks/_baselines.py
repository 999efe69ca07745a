"""What a user would try instead of the engine, filling the same token budget.

- dense fill: embed every turn with the bundled model, put the most similar turns in;
- BM25 fill: the same with Okapi BM25 scores;
each line carries its date and speaker, `[2023-05-08 14:02] Caroline: text`. (The
sliding window is the engine's own `truncate` policy without recall, asked over the API.)
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np

from benchmarks.conversations.model import STOPWORDS

_WORD = re.compile(r"[a-z0-9]+")


def line(when: datetime, speaker: str, text: str) -> str:
    return f"[{when:%Y-%m-%d %H:%M}] {speaker}: {text}"


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


class Bm25:
    """Okapi BM25 (k1 = 1.2, b = 0.75) over one conversation's turns."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.docs = [Counter(tokens(t)) for t in texts]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lengths) / max(1, len(self.lengths))
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}
        self.k1, self.b = k1, b

    def scores(self, query: str) -> list[float]:
        terms = [w for w in tokens(query) if w in self.idf]
        out = []
        for doc, length in zip(self.docs, self.lengths, strict=True):
            s = 0.0
            for w in terms:
                f = doc.get(w, 0)
                if f:
                    norm = f + self.k1 * (1 - self.b + self.b * length / self.avg)
                    s += self.idf[w] * f * (self.k1 + 1) / norm
            out.append(s)
        return out


def dense_scores(matrix: np.ndarray, query: Sequence[float]) -> list[float]:
    q = np.asarray(query, dtype=np.float32)
    return (matrix @ (q / (np.linalg.norm(q) + 1e-9))).tolist()


def fill(
    lines: Sequence[str], scores: Sequence[float], cost: Callable[[str], int], budget: int
) -> list[str]:
    """The best-scoring lines, in score order, while they fit (a line that does not fit is
    skipped and smaller ones may still go in)."""
    order = sorted(range(len(lines)), key=lambda i: -scores[i])
    chosen, used = [], 0
    for i in order:
        c = cost(lines[i]) + 1  # the newline
        if used + c <= budget:
            chosen.append(lines[i])
            used += c
    return chosen


def normalised(matrix: np.ndarray) -> np.ndarray:
    return matrix / (np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9)
