"""JSON and JSONL batch files: many documents in one file.

JSON: `{"documents": [...]}`, a list of documents, or one document. JSONL: one document
per line. A document is `{"text", "external_id"?, "title"?, "metadata"?, "format"?}` with
`format` one of text | markdown | html. A broken entry fails alone, naming its place.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mcp_service.adapters.parsers.html import html_document
from mcp_service.adapters.parsers.text import decode, markdown_document, text_document
from mcp_service.domain.documents import DocumentParseError, ParsedDocument, fingerprint

Entry = ParsedDocument | DocumentParseError
_KEYS = frozenset({"text", "external_id", "title", "metadata", "format"})
_TEXT_PARSERS: dict[str, Callable[[str], ParsedDocument]] = {
    "text": text_document,
    "markdown": markdown_document,
    "html": html_document,
}


def parse_json(data: bytes, source: str) -> list[Entry]:
    try:
        body = json.loads(decode(data, source))
    except json.JSONDecodeError as exc:
        raise DocumentParseError(f"{source}: invalid JSON ({exc})") from exc
    except RecursionError as exc:
        raise DocumentParseError(f"{source}: JSON nested too deeply") from exc
    if isinstance(body, dict) and "documents" in body and "text" not in body:
        body = body["documents"]
    items = body if isinstance(body, list) else [body]
    return [entry_document(item, f"{source}[{i}]") for i, item in enumerate(items)]


def parse_jsonl(data: bytes, source: str) -> list[Entry]:
    entries: list[Entry] = []
    for number, line in enumerate(decode(data, source).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source} line {number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            entries.append(DocumentParseError(f"{where}: invalid JSON ({exc.msg})"))
            continue
        except RecursionError:
            entries.append(DocumentParseError(f"{where}: JSON nested too deeply"))
            continue
        entries.append(entry_document(item, where))
    return entries


def entry_document(item: Any, where: str) -> Entry:
    """One batch entry as a parsed document, or the error that says what is wrong."""
    if not isinstance(item, dict):
        return DocumentParseError(f"{where}: a document must be a JSON object")
    unknown = sorted(set(item) - _KEYS)
    text, external_id, title = item.get("text"), item.get("external_id"), item.get("title")
    metadata, fmt = item.get("metadata") or {}, item.get("format") or "text"
    problem = (
        f"unknown field(s) {', '.join(unknown)}" if unknown
        else "`text` must be a non-empty string" if not isinstance(text, str) or not text.strip()
        else "`external_id` must be a string" if not isinstance(external_id, str | None)
        else "`title` must be a string" if not isinstance(title, str | None)
        else "`metadata` must be an object" if not isinstance(metadata, dict)
        else f"`format` must be one of {', '.join(_TEXT_PARSERS)}" if fmt not in _TEXT_PARSERS
        else None
    )  # fmt: skip
    if problem is not None:
        return DocumentParseError(f"{where}: {problem}")
    assert isinstance(text, str)
    parsed = _TEXT_PARSERS[fmt](text)
    return ParsedDocument(
        blocks=parsed.blocks,
        title=title or parsed.title,
        external_id=external_id,
        metadata=metadata,
        fingerprint=fingerprint("entry", fmt, title, text, metadata),
    )
