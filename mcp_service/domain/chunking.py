"""Token-aware chunking: paragraphs first, then token windows with overlap."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.ports import TokenCounter

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class TextChunk:
    text: str
    token_count: int
    position: int


def chunk_text(text: str, counter: TokenCounter, *, size: int, overlap: int) -> list[TextChunk]:
    """Split `text` into chunks of at most `size` tokens.

    Paragraphs are packed together while they fit; a paragraph longer than `size` is cut
    into token windows that overlap by `overlap` tokens. Consecutive packed chunks share
    their boundary paragraph when it is no longer than `overlap`, so a fact sitting on
    the boundary is whole in at least one chunk.
    """
    if size <= 0 or overlap < 0 or overlap >= size:
        raise InvalidInput(f"chunk size {size} and overlap {overlap} are inconsistent")
    pieces: list[tuple[str, int]] = []
    for para in _PARAGRAPH_BREAK.split(text):
        para = para.strip()
        if not para:
            continue
        tokens = counter.count(para)
        if tokens <= size:
            pieces.append((para, tokens))
        else:
            pieces.extend((w, counter.count(w)) for w in counter.split(para, size, overlap))
    return _pack(pieces, counter, size, overlap)


def _pack(
    pieces: list[tuple[str, int]], counter: TokenCounter, size: int, overlap: int
) -> list[TextChunk]:
    chunks: list[TextChunk] = []
    current: list[tuple[str, int]] = []
    used = 0
    for piece, tokens in pieces:
        # +2 approximates the paragraph separator; the chunk is recounted when emitted.
        if current and used + tokens + 2 > size:
            chunks.append(_emit(current, counter, len(chunks)))
            tail = current[-1]
            current, used = ([tail], tail[1] + 2) if tail[1] <= overlap else ([], 0)
            if used + tokens + 2 > size:
                current, used = [], 0
        current.append((piece, tokens))
        used += tokens + 2
    if current:
        chunks.append(_emit(current, counter, len(chunks)))
    return chunks


def _emit(pieces: list[tuple[str, int]], counter: TokenCounter, position: int) -> TextChunk:
    text = "\n\n".join(p for p, _ in pieces)
    return TextChunk(text=text, token_count=counter.count(text), position=position)
