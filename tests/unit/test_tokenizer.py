"""TiktokenCounter: exact counts, offline, and cuts that never lose or split characters."""

from __future__ import annotations

import itertools

import pytest

from mcp_service.adapters.tokenizer import FALLBACK_ENCODING, TiktokenCounter

PROSE = " ".join(f"Sentence number {i} talks about budgets and tokens." for i in range(60))
MIXED = "Grüße aus Köln — 東京で会いましょう 🎉👨‍👩‍👧 " * 20


@pytest.fixture(scope="module")
def counter() -> TiktokenCounter:
    return TiktokenCounter("gpt-4")


def test_counts_are_exact_cl100k_counts(counter: TiktokenCounter) -> None:
    assert counter.count("hello world") == 2
    assert counter.count("") == 0
    assert counter.count("tiktoken is great!") == 6


def test_special_token_text_in_user_content_counts_as_plain_text(
    counter: TiktokenCounter,
) -> None:
    # Must not raise, and must not collapse into the one special token id.
    assert counter.count("<|endoftext|>") > 1


def test_models_without_an_offline_encoding_fall_back_to_cl100k() -> None:
    assert TiktokenCounter("gpt-4o-mini").encoding_name == FALLBACK_ENCODING
    assert TiktokenCounter("some-local-llama").encoding_name == FALLBACK_ENCODING
    assert TiktokenCounter("some-local-llama").count("hello world") == 2


def test_overheads_follow_the_openai_cookbook(counter: TiktokenCounter) -> None:
    assert counter.message_overhead() == 3
    assert counter.prompt_overhead() == 3


def test_truncate_keeps_the_longest_prefix_that_fits(counter: TiktokenCounter) -> None:
    cut = counter.truncate(PROSE, 50)
    assert PROSE.startswith(cut)
    assert counter.count(cut) == 50
    assert counter.truncate("short text", 50) == "short text"
    assert counter.truncate(PROSE, 0) == ""


def test_truncate_never_splits_a_character(counter: TiktokenCounter) -> None:
    for limit in range(1, 40):
        cut = counter.truncate(MIXED, limit)
        assert MIXED.startswith(cut)
        assert counter.count(cut) <= limit


def test_split_windows_overlap_by_the_requested_tokens(counter: TiktokenCounter) -> None:
    windows = counter.split(PROSE, 64, 16)
    assert len(windows) > 2
    assert all(counter.count(w) <= 64 for w in windows)
    for left, right in itertools.pairwise(windows):
        shared = counter.truncate(right, 16)
        assert left.endswith(shared)
        assert counter.count(shared) == 16


def test_split_without_overlap_loses_nothing(counter: TiktokenCounter) -> None:
    for text in (PROSE, MIXED):
        windows = counter.split(text, 7, 0)
        assert "".join(windows) == text
        assert all(counter.count(w) <= 7 for w in windows)


def test_split_of_short_or_empty_text(counter: TiktokenCounter) -> None:
    assert counter.split("hello world", 10, 2) == ["hello world"]
    assert counter.split("", 10, 2) == []


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (5, 5), (5, -1), (4, 8)])
def test_split_rejects_inconsistent_sizes(
    counter: TiktokenCounter, size: int, overlap: int
) -> None:
    with pytest.raises(ValueError):
        counter.split(PROSE, size, overlap)
