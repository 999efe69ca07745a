"""Structure-aware chunking: headings first, then paragraphs, then token windows."""

from __future__ import annotations

from mcp_service.domain.chunking import chunk_blocks
from mcp_service.domain.documents import Block
from tests.fakes import FakeTokenCounter

counter = FakeTokenCounter()


def words(prefix: str, n: int) -> str:
    return " ".join(f"{prefix}{i}" for i in range(n))


def test_a_chunk_never_spans_two_sections() -> None:
    blocks = [
        Block("Intro", ("Intro",), heading=True),
        Block("short intro text", ("Intro",)),
        Block("Setup", ("Intro", "Setup"), heading=True),
        Block("short setup text", ("Intro", "Setup")),
    ]
    chunks = chunk_blocks(blocks, counter, size=100, overlap=10)
    assert [(c.text, c.heading_path) for c in chunks] == [
        ("Intro\n\nshort intro text", ("Intro",)),
        ("Setup\n\nshort setup text", ("Intro", "Setup")),
    ]
    assert [c.position for c in chunks] == [0, 1]


def test_a_heading_alone_joins_the_section_under_it() -> None:
    blocks = [
        Block("Guide", ("Guide",), heading=True),
        Block("Install", ("Guide", "Install"), heading=True),
        Block("run the installer", ("Guide", "Install")),
    ]
    (chunk,) = chunk_blocks(blocks, counter, size=100, overlap=10)
    assert chunk.text == "Guide\n\nInstall\n\nrun the installer"
    assert chunk.heading_path == ("Guide", "Install")


def test_long_sections_are_cut_in_token_windows_that_keep_the_path() -> None:
    blocks = [Block("Big", ("Big",), heading=True), Block(words("w", 100), ("Big",))]
    chunks = chunk_blocks(blocks, counter, size=30, overlap=5)
    assert len(chunks) > 3
    assert all(c.token_count <= 30 and c.heading_path == ("Big",) for c in chunks)
    seen = {w for c in chunks for w in c.text.split()}
    assert seen == {"Big", *words("w", 100).split()}


def test_chunks_know_their_pages() -> None:
    blocks = [
        Block(words("a", 10), page=1),
        Block(words("b", 10), page=2),
        Block(words("c", 25), page=3),
    ]
    chunks = chunk_blocks(blocks, counter, size=30, overlap=5)
    assert (chunks[0].page, chunks[0].page_end) == (1, 2)
    assert (chunks[-1].page, chunks[-1].page_end) == (3, None)


def test_empty_blocks_make_no_chunks() -> None:
    assert chunk_blocks([Block("  "), Block("")], counter, size=10, overlap=2) == []
