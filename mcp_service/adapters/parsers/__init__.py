"""`DocumentParser`: files (plain text, Markdown, HTML, PDF, JSON/JSONL batches) into
parsed documents. Everything here blocks: callers run it in a worker thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import PurePosixPath

from mcp_service.adapters.parsers.batch import Entry, parse_json, parse_jsonl
from mcp_service.adapters.parsers.html import html_document, parse_html
from mcp_service.adapters.parsers.pdf import parse_pdf
from mcp_service.adapters.parsers.text import (
    markdown_document,
    parse_markdown,
    parse_text,
    text_document,
)
from mcp_service.domain.documents import DocumentParseError, ParsedDocument, storable_document

EXTENSIONS: dict[str, str] = {
    ".txt": "text", ".text": "text",
    ".md": "markdown", ".markdown": "markdown", ".mdown": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".pdf": "pdf",
    ".json": "json",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
}  # fmt: skip
CONTENT_TYPES: dict[str, str] = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/json": "json",
    "application/jsonl": "jsonl",
    "application/x-ndjson": "jsonl",
}
_SINGLE: dict[str, Callable[[bytes, str], ParsedDocument]] = {
    "text": parse_text,
    "markdown": parse_markdown,
    "html": parse_html,
    "pdf": parse_pdf,
}
_BATCH: dict[str, Callable[[bytes, str], list[Entry]]] = {"json": parse_json, "jsonl": parse_jsonl}
_INLINE: dict[str, Callable[[str], ParsedDocument]] = {
    "text": text_document,
    "markdown": markdown_document,
    "html": html_document,
}


class DocumentParsers:
    """The `DocumentParser` for every supported format; detects formats by file name
    extension first, then by content type."""

    def __init__(self) -> None:
        logging.getLogger("pypdf").setLevel(logging.ERROR)  # it logs every quirk of a file

    def detect(self, name: str, content_type: str | None = None) -> str | None:
        found = EXTENSIONS.get(PurePosixPath(name.replace("\\", "/")).suffix.lower())
        if found is None and content_type:
            found = CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
        return found

    def parse(self, data: bytes, *, fmt: str, source: str) -> list[Entry]:
        """The file's documents, their text storable (stray NUL bytes dropped)."""
        if fmt in _BATCH:
            entries = _BATCH[fmt](data, source)
        elif fmt in _SINGLE:
            entries = [_SINGLE[fmt](data, source)]
        else:
            raise DocumentParseError(f"{source}: unsupported format {fmt!r}")
        return [storable_document(e) if isinstance(e, ParsedDocument) else e for e in entries]

    def parse_text(self, text: str, *, fmt: str) -> ParsedDocument:
        if fmt not in _INLINE:
            raise DocumentParseError(f"unsupported inline format {fmt!r}", field="format")
        return storable_document(_INLINE[fmt](text))

    def supported(self) -> str:
        return ", ".join(sorted(EXTENSIONS))
