"""The offline summary keeps stated facts, not small talk."""

from __future__ import annotations

import pytest

from mcp_service.domain.extractive import fact_weight, select


@pytest.mark.parametrize(
    "sentence",
    [
        "Ann (turn 4): We named her Biscuit, she already knows it.",
        "My sister Marguerite is visiting in May.",
        "The combination for my gym locker is 4-17-29.",
        "We finally moved to Asheville last week.",
        "I booked the flight to Lisbon for Friday.",
    ],
)
def test_facts_weigh(sentence: str) -> None:
    assert fact_weight(sentence) >= 0.5


@pytest.mark.parametrize(
    "sentence",
    [
        "Haha, same!",
        "What breed is she?",
        "That sounds like a lot, but in a good way!",
        "Coffee is the only thing keeping me going.",
        "Bob (turn 9): Wow, that's amazing!",
    ],
)
def test_small_talk_and_questions_do_not(sentence: str) -> None:
    assert fact_weight(sentence) < 0.3


def test_with_fact_weights_the_summary_keeps_the_fact_over_a_central_platitude() -> None:
    candidates = ["That sounds lovely, really.", "Ann (turn 3): I adopted a dog named Otis."]
    central = [0.9, 0.5]  # the platitude is more "central" to a chatty conversation
    worth = [0.4 * c + 0.6 * fact_weight(s) for c, s in zip(central, candidates, strict=True)]
    chosen = select(candidates, worth, [[1, 0], [0, 1]], lambda s: len(s.split()), 10)
    assert chosen == ["Ann (turn 3): I adopted a dog named Otis."]
