"""Summarisers: with the LLM gateway, or offline and extractive over the bundled embeddings."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mcp_service.domain.extractive import fact_weight, select, sentences
from mcp_service.domain.model import Message, Turn
from mcp_service.domain.ports import Embedder, LLMGateway, TokenCounter

INSTRUCTIONS = (
    "You maintain the running summary of a conversation between a user and an assistant. "
    "Update the summary with the new turns. Keep every durable fact (names, numbers, dates, "
    "decisions, preferences, open questions); when a fact changed, keep the latest value and "
    "say it changed. Write plain sentences, third person, no preamble. At most {words} words."
)


def transcript(turns: Sequence[Turn]) -> str:
    return "\n".join(
        f"[turn {t.seq}, {t.created_at:%Y-%m-%d}] {t.role}: {t.content}" for t in turns
    )


class LLMSummarizer:
    """Asks the gateway to fold new turns into the previous summary."""

    def __init__(self, gateway: LLMGateway, counter: TokenCounter, model: str | None) -> None:
        self.gateway = gateway
        self.counter = counter
        self.model = model

    @property
    def name(self) -> str:
        return f"llm:{self.model or self.gateway.default_model}"

    async def summarize(
        self, previous: str | None, turns: Sequence[Turn], *, max_tokens: int
    ) -> str:
        prompt = [
            Message("system", INSTRUCTIONS.format(words=int(max_tokens * 0.7))),
            Message(
                "user",
                f"Current summary:\n{previous or '(none yet)'}\n\nNew turns:\n{transcript(turns)}",
            ),
        ]
        done = await self.gateway.complete(
            prompt, model=self.model, params={"max_tokens": max_tokens, "temperature": 0}
        )
        # The bound holds even if the model ignores it: cut at a sentence boundary.
        parts = sentences(done.content.strip())
        kept: list[str] = []
        for part in parts:
            if self.counter.count(" ".join([*kept, part])) > max_tokens:
                break
            kept.append(part)
        return " ".join(kept) if kept else self.counter.truncate(done.content, max_tokens)


FACT_SHARE = 0.6  # of a sentence's worth in the extractive summary (the rest: centrality)


class ExtractiveSummarizer:
    """Offline: keeps the most representative, least redundant sentences, by speaker."""

    name = "extractive"

    def __init__(self, embedder: Embedder, counter: TokenCounter) -> None:
        self.embedder = embedder
        self.counter = counter

    async def summarize(
        self, previous: str | None, turns: Sequence[Turn], *, max_tokens: int
    ) -> str:
        candidates = sentences(previous or "")
        for t in turns:
            candidates.extend(
                f"{t.name or t.role.capitalize()} (turn {t.seq}): {s}" for s in sentences(t.content)
            )
        if not candidates:
            return previous or ""
        matrix = np.asarray(await self.embedder.embed(candidates), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9
        centroid = matrix.mean(axis=0)
        central = (matrix @ centroid).tolist()
        # Facts first: a central but empty sentence ("That sounds lovely!") is worth less
        # than a stated name, number, date or plan.
        relevance = [
            (1 - FACT_SHARE) * c + FACT_SHARE * fact_weight(s)
            for c, s in zip(central, candidates, strict=True)
        ]
        similarity = (matrix @ matrix.T).tolist()
        chosen = select(candidates, relevance, similarity, self.counter.count, max_tokens)
        return "\n".join(chosen)
