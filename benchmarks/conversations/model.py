"""The benchmark's data: conversations, their lines, and the questions about them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from benchmarks.conversations import events as ev

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "did",
        "do",
        "does",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "my",
        "your",
        "her",
        "his",
        "their",
        "our",
        "its",
        "it",
        "this",
        "that",
        "these",
        "those",
        "with",
        "from",
        "by",
        "about",
        "as",
        "into",
        "after",
        "before",
        "again",
        "just",
        "now",
        "so",
        "up",
        "out",
        "has",
        "have",
        "had",
        "i",
        "me",
        "you",
        "we",
        "they",
        "she",
        "he",
        "them",
        "us",
        "than",
        "then",
        "there",
        "here",
        "any",
        "some",
        "all",
    ]
)


@dataclass(frozen=True)
class Line:
    speaker: str
    text: str
    when: datetime


@dataclass(frozen=True)
class Question:
    conversation: str
    text: str
    kind: str
    evidence: tuple[int, ...]  # seqs (1-based) of the turns that answer it
    answer: str


@dataclass
class Conversation:
    id: str
    speakers: tuple[str, str]
    lines: list[Line] = field(default_factory=list)

    @property
    def asked_at(self) -> datetime:
        return self.lines[-1].when + timedelta(minutes=5)


@dataclass
class Happening:
    """One event that happened to someone, and where it was said."""

    event: ev.Event
    subject: str
    other: str
    values: dict[str, str]
    date: datetime
    seq: int = 0


def content_words(text: str) -> set[str]:
    """Crudely stemmed content words (first five letters): "volunteering" ~ "volunteer"."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {w[:5] for w in words if w not in STOPWORDS and len(w) > 2}
