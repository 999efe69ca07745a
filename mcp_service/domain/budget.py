"""Token budgeting: how many tokens each context section may use.

The budget is spent in a fixed order. Mandatory parts (system prompt, new message) come
first and never drop; then a minimum number of recent turns; then session state; then
shares of the rest for summary, knowledge and recall, each passing what it leaves unused
to the next; whatever is left after recall goes to more recent turns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from mcp_service.domain.errors import ContextTooLarge

T = TypeVar("T")


@dataclass(frozen=True)
class Picked(Generic[T]):
    """Items chosen for a section, in the order offered, and those left out."""

    items: list[T]
    dropped: list[T]
    tokens: int


def check_mandatory(mandatory_tokens: int, budget: int) -> int:
    """Return what is left after the mandatory parts; fail loudly if they do not fit."""
    if budget <= 0:
        raise ContextTooLarge(f"max_context_tokens must be positive, got {budget}")
    if mandatory_tokens > budget:
        raise ContextTooLarge(
            f"the system prompt and the new message need {mandatory_tokens} tokens, "
            f"more than the budget of {budget}",
            field="max_context_tokens",
        )
    return budget - mandatory_tokens


def pick_in_order(
    items: Sequence[T], cost: Callable[[T], int], allowance: int, *, contiguous: bool = False
) -> Picked[T]:
    """Take items in the order given while they fit.

    With `contiguous` the first item that does not fit ends the selection (recent turns
    must not have holes); otherwise smaller later items may still fit.
    """
    chosen: list[T] = []
    dropped: list[T] = []
    used = 0
    stopped = False
    for item in items:
        c = cost(item)
        if not stopped and used + c <= allowance:
            chosen.append(item)
            used += c
        else:
            dropped.append(item)
            if contiguous:
                stopped = True
    return Picked(chosen, dropped, used)


def share(pool: int, fraction: float) -> int:
    """The integer share of `pool` for a fraction in [0, 1]."""
    return max(0, int(pool * min(max(fraction, 0.0), 1.0)))
