"""Cost of usage from a price table: model → {"input": …, "output": …} per million tokens
(in whatever currency the table is written in)."""

from __future__ import annotations

from collections.abc import Mapping

Prices = Mapping[str, Mapping[str, float]]


def price_of(prices: Prices, model: str | None) -> Mapping[str, float] | None:
    """The model's entry, else the longest entry its name starts with (a gateway may
    report `gpt-4o-mini-2024-07-18` for `gpt-4o-mini`)."""
    if not model:
        return None
    if model in prices:
        return prices[model]
    prefixes = [name for name in prices if model.startswith(name)]
    return prices[max(prefixes, key=len)] if prefixes else None


def cost(
    prices: Prices, model: str | None, prompt_tokens: int, completion_tokens: int
) -> float | None:
    """None when the model has no price."""
    entry = price_of(prices, model)
    if entry is None:
        return None
    return (
        prompt_tokens * float(entry.get("input", 0.0))
        + completion_tokens * float(entry.get("output", 0.0))
    ) / 1_000_000
