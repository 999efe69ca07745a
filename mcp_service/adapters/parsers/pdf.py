"""PDF into blocks with pypdf: text per page (1-based page numbers), the outline
(bookmarks) as heading paths, the document info title as the title."""

from __future__ import annotations

import bisect
import io
import warnings
from typing import Any

from pypdf import PdfReader

from mcp_service.domain.chunking import paragraphs
from mcp_service.domain.documents import Block, DocumentParseError, ParsedDocument

_SENTENCE_END = (".", "!", "?", ":", '."', ".)")


def parse_pdf(data: bytes, source: str) -> ParsedDocument:
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise DocumentParseError(f"{source}: not a PDF file (it does not start with %PDF)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read(data, source)
    except DocumentParseError:
        raise
    except Exception as exc:
        # pypdf meets untrusted bytes: a damaged file surfaces as any exception type
        # (PdfReadError, but also KeyError, ValueError, zlib errors …) from deep inside.
        raise DocumentParseError(
            f"{source}: not a readable PDF ({type(exc).__name__}: {exc})"
        ) from exc


def _read(data: bytes, source: str) -> ParsedDocument:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise DocumentParseError(f"{source}: the PDF is password-protected")
    marks = _outline(reader)
    starts = [page for page, _ in marks]
    blocks: list[Block] = []
    for index, page in enumerate(reader.pages):
        number = index + 1
        at = bisect.bisect_right(starts, number) - 1
        path = marks[at][1] if at >= 0 else ()
        text = page.extract_text() or ""
        blocks.extend(Block(p, path, number) for p in pdf_paragraphs(text))
    if not blocks and len(reader.pages):
        raise DocumentParseError(
            f"{source}: the PDF has no extractable text (a scan without a text layer? "
            "run OCR on it first)"
        )
    info = reader.metadata
    title = str(info.title).strip() if info is not None and info.title else None
    return ParsedDocument(blocks=tuple(blocks), title=title or None, pages=len(reader.pages))


def pdf_paragraphs(text: str) -> list[str]:
    """Paragraphs of a page's text. Extracted text rarely keeps blank lines, so a line
    that ends a sentence and stops clearly short of the page's usual width ends one."""
    found: list[str] = []
    for block in paragraphs(text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        widths = sorted(len(line) for line in lines)
        usual = widths[int(len(widths) * 0.8)] if len(widths) >= 4 else 0
        current: list[str] = []
        for line in lines:
            current.append(line)
            if usual and line.endswith(_SENTENCE_END) and len(line) < 0.85 * usual:
                found.append("\n".join(current))
                current = []
        if current:
            found.append("\n".join(current))
    return found


def _outline(reader: PdfReader) -> list[tuple[int, tuple[str, ...]]]:
    """(first page, heading path) of each bookmark, by page. Best effort: a broken
    outline only loses the headings, never the text."""
    marks: list[tuple[int, tuple[str, ...]]] = []

    def walk(items: list[Any], parents: tuple[str, ...]) -> None:
        last: tuple[str, ...] = parents
        for item in items:
            if isinstance(item, list):
                walk(item, last)
                continue
            title = str(getattr(item, "title", "") or "").strip()
            page = reader.get_destination_page_number(item)
            if title and page is not None and page >= 0:
                last = (*parents, title)
                marks.append((page + 1, last))

    try:
        walk(list(reader.outline), ())
    except Exception:  # see parse_pdf: any exception type can come out of a damaged file
        return []
    marks.sort(key=lambda m: m[0])
    return marks
