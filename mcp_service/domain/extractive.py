"""Extractive summarisation: choose the sentences that best cover the conversation.

Pure selection (maximal marginal relevance) over a precomputed similarity matrix, bounded
in tokens and returned in the original order. What a sentence is worth mixes how central
it is with how much of a fact it states (`fact_weight`): names, numbers, dates, places,
"my sister", "I moved", plans — not "Haha, same!" or a question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[A-Za-z][\w'-]*|\d[\d:.,/-]*")
_NUMBER = re.compile(r"\d")
_CALENDAR = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
    r"april|may|june|july|august|september|october|november|december|tomorrow|yesterday|"
    r"weekend|next week|last week|tonight)\b",
    re.IGNORECASE,
)
_CLAIM = re.compile(
    r"\b(my|our|i'm|i am|i've|i have|i'll|i will|we're|we|named|called|moved|started|"
    r"bought|adopted|passed|finished|allergic|birthday|married|work|job|live|favou?rite|"
    r"plan|planning|going to|booked|signed up|switched|changed|now)\b",
    re.IGNORECASE,
)
_PRONOUN_I = frozenset({"I", "I'm", "I've", "I'll", "I'd"})


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if len(s.strip()) > 2]


def fact_weight(sentence: str) -> float:
    """0..1: how much of a durable fact a sentence states (a cheap, offline judgement)."""
    body = sentence.split(": ", 1)[-1]  # "User (turn 3): text" → the text
    words = _WORD.findall(body)
    if len(words) < 4 or body.rstrip().endswith("?"):
        return 0.0  # reactions and questions state no fact
    names = sum(1 for w in words[1:] if w[0].isupper() and w not in _PRONOUN_I)
    score = min(names, 2) * 0.5
    score += 0.75 if _NUMBER.search(body) else 0.0
    score += 0.5 if _CALENDAR.search(body) else 0.0
    score += min(len(_CLAIM.findall(body)), 2) * 0.35
    return min(score / 2.0, 1.0)


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

    `relevance[i]` is what candidate i is worth; `similarity[i][j]` how alike two are.
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
