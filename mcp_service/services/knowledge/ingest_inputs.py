"""What an ingest starts from (JSON documents, uploaded files) and what it reports.

Inputs become `Candidate`s: one per document, each with its identity (external id and
content hash) known before any expensive work, so an unchanged document is skipped
without being parsed, chunked or embedded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from mcp_service.domain.documents import (
    BATCH_FORMATS,
    DocumentParseError,
    ParsedDocument,
    fingerprint,
)
from mcp_service.domain.inputs import MAX_EXTERNAL_ID_CHARS, unstorable
from mcp_service.domain.model import JSON
from mcp_service.domain.ports import DocumentParser


@dataclass(frozen=True)
class DocumentInput:
    """A document given inline (JSON). `format` says how to read `text`."""

    text: str
    external_id: str | None = None
    title: str | None = None
    metadata: JSON = field(default_factory=dict)
    format: str = "text"


@dataclass(frozen=True)
class FileInput:
    """An uploaded or local file. `name` is its (relative) path; it is also the external
    id unless one is given, so re-ingesting a folder replaces what changed."""

    name: str
    data: bytes
    external_id: str | None = None
    metadata: JSON = field(default_factory=dict)
    content_type: str | None = None


@dataclass(frozen=True)
class IngestOutcome:
    document_id: str | None
    external_id: str | None
    status: str  # created | replaced | unchanged | failed | queued
    chunks: int
    source: str | None = None
    error: str | None = None

    def to_json(self) -> JSON:
        out: JSON = {
            "id": self.document_id,
            "external_id": self.external_id,
            "status": self.status,
            "chunks": self.chunks,
        }
        if self.source is not None:
            out["source"] = self.source
        if self.error is not None:
            out["error"] = self.error
        return out


@dataclass(frozen=True)
class Candidate:
    """One document to ingest, identified before it is parsed.

    Either `parsed` is set, or `data` holds a single-document file to parse on demand;
    `error` marks one already known to fail (it is reported, never written).
    """

    source: str
    external_id: str | None
    digest: str
    metadata: JSON = field(default_factory=dict)
    title: str | None = None
    fmt: str = "text"
    parsed: ParsedDocument | None = None
    data: bytes | None = None
    error: str | None = None

    def failed(self, error: str) -> Candidate:
        return replace(self, error=error, parsed=None, data=None)

    def checked(self) -> Candidate:
        """Failed (alone) if its external id cannot be stored."""
        eid = self.external_id
        if self.error is not None or eid is None:
            return self
        if len(eid) > MAX_EXTERNAL_ID_CHARS:
            limit = MAX_EXTERNAL_ID_CHARS
            return self.failed(
                f"{self.source}: external id of {len(eid)} characters (at most {limit})"
            )
        why = unstorable(eid)
        return self.failed(f"{self.source}: external id contains {why}") if why else self

    def to_json(self) -> JSON:
        """Everything but raw file bytes: parse first (`with_parsed`) to keep a file."""
        if self.data is not None:
            raise ValueError("parse the file before storing the candidate")
        return {
            "source": self.source,
            "external_id": self.external_id,
            "digest": self.digest,
            "metadata": self.metadata,
            "title": self.title,
            "fmt": self.fmt,
            "parsed": self.parsed.to_json() if self.parsed is not None else None,
            "error": self.error,
        }

    @staticmethod
    def from_json(data: JSON) -> Candidate:
        parsed = data.get("parsed")
        return Candidate(
            source=str(data["source"]),
            external_id=data.get("external_id"),
            digest=str(data["digest"]),
            metadata=dict(data.get("metadata") or {}),
            title=data.get("title"),
            fmt=str(data.get("fmt") or "text"),
            parsed=ParsedDocument.from_json(parsed) if parsed is not None else None,
            error=data.get("error"),
        )


def legacy_hash(doc: DocumentInput) -> str:
    """The content hash of a plain-text JSON document (the rule since the first version)."""
    body = json.dumps([doc.title, doc.text, doc.metadata], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def document_candidates(docs: Sequence[DocumentInput], parser: DocumentParser) -> list[Candidate]:
    """Inline documents, parsed (cheap: text, Markdown or HTML already in memory)."""
    out = []
    for i, doc in enumerate(docs):
        digest = (
            legacy_hash(doc)
            if doc.format == "text"
            else fingerprint("inline", doc.format, doc.title, doc.text, doc.metadata)
        )
        parsed = parser.parse_text(doc.text, fmt=doc.format)
        out.append(
            Candidate(
                source=f"documents[{i}]",
                external_id=doc.external_id,
                digest=digest,
                metadata=doc.metadata,
                title=doc.title or parsed.title,
                fmt=doc.format,
                parsed=parsed,
            ).checked()
        )
    return out


def file_candidates(files: Sequence[FileInput], parser: DocumentParser) -> list[Candidate]:
    """Blocking. Batch files (JSON/JSONL) are parsed now, one candidate per entry; other
    files are hashed and parsed later, only if they changed."""
    out: list[Candidate] = []
    for file in files:
        fmt = parser.detect(file.name, file.content_type)
        external_id = file.external_id or file.name
        base = Candidate(file.name, external_id, fingerprint("file", fmt, file.data, file.metadata))
        if fmt is None:
            supported = parser.supported()
            out.append(base.failed(f"{file.name}: unsupported file type (supported: {supported})"))
        elif fmt in BATCH_FORMATS:
            out.extend(_batch_candidates(file, fmt, parser))
        else:
            out.append(replace(base, metadata=_file_metadata(file, fmt), fmt=fmt, data=file.data))
    return [c.checked() for c in out]


def parse_candidate(candidate: Candidate, parser: DocumentParser) -> Candidate:
    """Blocking. The candidate with its file parsed, or failed with the parser's message."""
    if candidate.data is None or candidate.error is not None:
        return candidate
    try:
        entries = parser.parse(candidate.data, fmt=candidate.fmt, source=candidate.source)
    except DocumentParseError as exc:
        return candidate.failed(exc.message)
    parsed = entries[0] if entries else None
    if not isinstance(parsed, ParsedDocument):
        return candidate.failed(str(parsed) if parsed else f"{candidate.source}: empty file")
    metadata = dict(candidate.metadata)
    if parsed.pages is not None:
        metadata["pages"] = parsed.pages
    return replace(
        candidate,
        parsed=parsed,
        data=None,
        title=candidate.title or parsed.title,
        metadata=metadata,
    )


def _batch_candidates(file: FileInput, fmt: str, parser: DocumentParser) -> list[Candidate]:
    try:
        entries = parser.parse(file.data, fmt=fmt, source=file.name)
    except DocumentParseError as exc:
        return [Candidate(file.name, None, fingerprint("failed", file.name)).failed(exc.message)]
    out = []
    for i, entry in enumerate(entries):
        source = f"{file.name}[{i}]"
        if isinstance(entry, DocumentParseError):
            out.append(Candidate(source, None, fingerprint("failed", source)).failed(entry.message))
            continue
        metadata = {**file.metadata, **entry.metadata, "source": file.name}
        out.append(
            Candidate(
                source=source,
                external_id=entry.external_id or (file.external_id or file.name) + f"#{i}",
                digest=fingerprint("entry", entry.fingerprint, metadata),
                metadata=metadata,
                title=entry.title,
                fmt=fmt,
                parsed=entry,
            )
        )
    return out


def _file_metadata(file: FileInput, fmt: str) -> JSON:
    return {**file.metadata, "source": file.name, "format": fmt}
