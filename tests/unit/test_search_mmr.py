"""Maximal marginal relevance re-orders hits so near-duplicates do not crowd the top."""

from __future__ import annotations

import pytest

from mcp_service.domain.mmr import mmr_order


def test_a_near_duplicate_gives_way_to_a_different_hit() -> None:
    scores = [0.9, 0.89, 0.5]
    vectors = [[1.0, 0.0], [0.99, 0.01], [0.0, 1.0]]
    assert mmr_order(scores, vectors, 2, 0.5) == [0, 2]


def test_lambda_one_keeps_the_original_ranking() -> None:
    scores = [0.9, 0.89, 0.5]
    vectors = [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    assert mmr_order(scores, vectors, 3, 1.0) == [0, 1, 2]


def test_k_larger_than_the_candidates_returns_them_all() -> None:
    assert sorted(mmr_order([1.0, 1.0], [[1.0], [1.0]], 5)) == [0, 1]
    assert mmr_order([], [], 3) == []


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        mmr_order([1.0], [], 1)
    with pytest.raises(ValueError):
        mmr_order([1.0], [[1.0]], 1, 1.5)
