"""Structure-aware, token-bounded chunking.

Headings first: a chunk never spans two sections (a heading and the blocks under it).
Paragraphs next: within a section, whole paragraphs are packed together while they fit.
Tokens last: a paragraph longer than the chunk size is cut into overlapping token windows.
Each chunk keeps its position in the document, its heading path and its page(s).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mcp_service.domain.documents import Block
from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.ports import TokenCounter

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SEPARATOR_TOKENS = 2  # approximates "\n\n" between packed pieces; chunks are recounted


@dataclass(frozen=True)
class TextChunk:
    text: str
    token_count: int
    position: int
    heading_path: tuple[str, ...] = ()
    page: int | None = None
    page_end: int | None = None  # the last page, when the chunk runs onto further pages


@dataclass(frozen=True)
class _Piece:
    text: str
    tokens: int
    page: int | None


def paragraphs(text: str) -> list[str]:
    """The non-empty paragraphs of plain text (separated by blank lines), stripped."""
    return [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]


def chunk_text(text: str, counter: TokenCounter, *, size: int, overlap: int) -> list[TextChunk]:
    """Chunk plain text: its paragraphs are the blocks of one section."""
    return chunk_blocks([Block(p) for p in paragraphs(text)], counter, size=size, overlap=overlap)


def chunk_blocks(
    blocks: Sequence[Block], counter: TokenCounter, *, size: int, overlap: int
) -> list[TextChunk]:
    """Split blocks into chunks of at most `size` tokens, section by section.

    Consecutive packed chunks share their boundary paragraph when it is no longer than
    `overlap`, so a fact sitting on the boundary is whole in at least one chunk. A section
    that holds only headings (a title straight before a subheading) joins the next one.
    """
    if size <= 0 or overlap < 0 or overlap >= size:
        raise InvalidInput(f"chunk size {size} and overlap {overlap} are inconsistent")
    chunks: list[TextChunk] = []
    for path, section in _sections(blocks):
        pieces: list[_Piece] = []
        for block in section:
            pieces.extend(_pieces(block, counter, size, overlap))
        for texts, pages in _pack(pieces, size, overlap):
            chunks.append(_emit(texts, pages, path, counter, len(chunks)))
    return chunks


def _sections(blocks: Iterable[Block]) -> list[tuple[tuple[str, ...], list[Block]]]:
    """Group blocks by section; a heading-only section is carried into the next one."""
    sections: list[tuple[tuple[str, ...], list[Block]]] = []
    current: list[Block] = []
    path: tuple[str, ...] = ()
    for block in blocks:
        if not block.text.strip():
            continue
        starts_new = block.heading or block.heading_path != path
        if current and starts_new and not all(b.heading for b in current):
            sections.append((path, current))
            current = []
        current.append(block)
        path = block.heading_path
    if current:
        sections.append((path, current))
    return sections


def _pieces(block: Block, counter: TokenCounter, size: int, overlap: int) -> list[_Piece]:
    text = block.text.strip()
    tokens = counter.count(text)
    if tokens <= size:
        return [_Piece(text, tokens, block.page)]
    return [
        _Piece(w, counter.count(w), block.page) for w in counter.split(text, size, overlap) if w
    ]


def _pack(
    pieces: list[_Piece], size: int, overlap: int
) -> list[tuple[list[str], list[int | None]]]:
    packed: list[tuple[list[str], list[int | None]]] = []
    current: list[_Piece] = []
    used = 0
    for piece in pieces:
        if current and used + piece.tokens + _SEPARATOR_TOKENS > size:
            packed.append(([p.text for p in current], [p.page for p in current]))
            tail = current[-1]
            fits = tail.tokens <= overlap
            current, used = ([tail], tail.tokens + _SEPARATOR_TOKENS) if fits else ([], 0)
            if used + piece.tokens + _SEPARATOR_TOKENS > size:
                current, used = [], 0
        current.append(piece)
        used += piece.tokens + _SEPARATOR_TOKENS
    if current:
        packed.append(([p.text for p in current], [p.page for p in current]))
    return packed


def _emit(
    texts: list[str],
    pages: list[int | None],
    path: tuple[str, ...],
    counter: TokenCounter,
    position: int,
) -> TextChunk:
    text = "\n\n".join(texts)
    known = [p for p in pages if p is not None]
    first = known[0] if known else None
    last = known[-1] if known else None
    return TextChunk(
        text=text,
        token_count=counter.count(text),
        position=position,
        heading_path=path,
        page=first,
        page_end=last if last != first else None,
    )
