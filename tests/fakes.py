"""Fakes for our own ports, for unit tests (no DB, network or model)."""

from __future__ import annotations

from collections.abc import Sequence

from mcp_service.domain.model import Message


class FakeTokenCounter:
    """One token per whitespace-separated word: easy to reason about in tests."""

    def count(self, text: str) -> int:
        return len(text.split())

    def message_overhead(self) -> int:
        return 3

    def prompt_overhead(self) -> int:
        return 3

    def truncate(self, text: str, max_tokens: int) -> str:
        return " ".join(text.split()[:max_tokens])

    def split(self, text: str, size: int, overlap: int) -> list[str]:
        words = text.split()
        step = size - overlap
        return [" ".join(words[i : i + size]) for i in range(0, max(len(words) - overlap, 1), step)]

    def count_messages(self, messages: Sequence[Message]) -> int:
        """What a gateway would count for the whole prompt."""
        per = sum(self.count(m.content) + 3 + (1 if m.name else 0) for m in messages)
        return per + self.prompt_overhead()
