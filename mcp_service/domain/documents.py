"""Parsed documents: text blocks that keep the structure a file had (headings, pages).

Parsers (adapters) turn files into `ParsedDocument`s; chunking (domain) turns their
blocks into chunks that remember their heading path and page. A parsed document can be
written to JSON and read back, so a background ingest job can keep it in its payload.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.inputs import storable
from mcp_service.domain.model import JSON

FORMATS: tuple[str, ...] = ("text", "markdown", "html", "pdf", "json", "jsonl")
TEXT_FORMATS: tuple[str, ...] = ("text", "markdown", "html")  # formats a JSON entry may name
BATCH_FORMATS: tuple[str, ...] = ("json", "jsonl")  # one file, many documents


class DocumentParseError(InvalidInput):
    """A file (or one entry of a batch file) that cannot be read; says which and why."""


@dataclass(frozen=True)
class Block:
    """A paragraph-like piece of text with where it sits in the document."""

    text: str
    heading_path: tuple[str, ...] = ()
    page: int | None = None
    heading: bool = False  # this block is the heading that opens its section

    def to_json(self) -> list[Any]:
        return [self.text, list(self.heading_path), self.page, self.heading]

    @staticmethod
    def from_json(data: list[Any]) -> Block:
        text, path, page, heading = data
        return Block(str(text), tuple(str(p) for p in path), page, bool(heading))


@dataclass(frozen=True)
class ParsedDocument:
    """One document read from a file or a batch entry.

    `external_id`, `metadata` and `fingerprint` are set by batch formats (JSON/JSONL),
    whose entries name themselves; for a single-document file the caller supplies them.
    """

    blocks: tuple[Block, ...]
    title: str | None = None
    external_id: str | None = None
    metadata: JSON = field(default_factory=dict)
    fingerprint: str | None = None
    pages: int | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)

    def to_json(self) -> JSON:
        return {
            "blocks": [b.to_json() for b in self.blocks],
            "title": self.title,
            "external_id": self.external_id,
            "metadata": self.metadata,
            "fingerprint": self.fingerprint,
            "pages": self.pages,
        }

    @staticmethod
    def from_json(data: JSON) -> ParsedDocument:
        return ParsedDocument(
            blocks=tuple(Block.from_json(b) for b in data["blocks"]),
            title=data.get("title"),
            external_id=data.get("external_id"),
            metadata=dict(data.get("metadata") or {}),
            fingerprint=data.get("fingerprint"),
            pages=data.get("pages"),
        )


def storable_document(doc: ParsedDocument) -> ParsedDocument:
    """The document with its text storable (no NUL, no lone surrogate): files carry stray
    bytes, and one of them must not lose the whole document."""
    blocks = tuple(
        replace(b, text=storable(b.text), heading_path=tuple(storable(p) for p in b.heading_path))
        for b in doc.blocks
    )
    title = storable(doc.title) if doc.title is not None else None
    return replace(doc, blocks=blocks, title=title)


def fingerprint(*parts: object) -> str:
    """A stable SHA-256 over JSON-able parts and raw bytes: a document's content hash."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes | bytearray):
            digest.update(b"b%d:" % len(part))
            digest.update(part)
        else:
            body = json.dumps(part, sort_keys=True, ensure_ascii=False).encode()
            digest.update(b"j%d:" % len(body))
            digest.update(body)
    return digest.hexdigest()
