from mcp_service.domain.chunking import chunk_text
from tests.fakes import FakeTokenCounter

counter = FakeTokenCounter()


def test_short_paragraphs_are_packed_into_one_chunk() -> None:
    text = "alpha beta gamma.\n\ndelta epsilon.\n\nzeta."
    chunks = chunk_text(text, counter, size=50, overlap=5)
    assert [c.text for c in chunks] == ["alpha beta gamma.\n\ndelta epsilon.\n\nzeta."]
    assert chunks[0].token_count == 6


def test_no_chunk_exceeds_the_size_and_no_word_is_lost() -> None:
    words = [f"w{i}" for i in range(1000)]
    text = "\n\n".join(" ".join(words[i : i + 37]) for i in range(0, 1000, 37))
    chunks = chunk_text(text, counter, size=64, overlap=8)
    assert all(c.token_count <= 64 for c in chunks)
    seen = {w for c in chunks for w in c.text.split()}
    assert seen == set(words)
    assert [c.position for c in chunks] == list(range(len(chunks)))


def test_a_long_paragraph_is_split_in_overlapping_windows() -> None:
    text = " ".join(f"t{i}" for i in range(100))
    chunks = chunk_text(text, counter, size=40, overlap=10)
    first, second = chunks[0].text.split(), chunks[1].text.split()
    assert first[-10:] == second[:10]


def test_inconsistent_sizes_are_rejected() -> None:
    import pytest

    from mcp_service.domain.errors import InvalidInput

    with pytest.raises(InvalidInput):
        chunk_text("x", counter, size=10, overlap=10)
