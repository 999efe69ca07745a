"""Ports: what services need from the outside world, by role. Adapters implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from mcp_service.domain.documents import DocumentParseError, ParsedDocument
from mcp_service.domain.model import (
    JSON,
    Chunk,
    ChunkHit,
    Completion,
    Message,
    SearchMode,
    Turn,
    TurnHit,
)


class TokenCounter(Protocol):
    """Counts tokens the way the target model does."""

    def count(self, text: str) -> int: ...

    def message_overhead(self) -> int:
        """Tokens each chat message costs beyond its content."""
        ...

    def prompt_overhead(self) -> int:
        """Tokens the whole prompt costs beyond its messages (reply priming)."""
        ...

    def truncate(self, text: str, max_tokens: int) -> str: ...

    def split(self, text: str, size: int, overlap: int) -> list[str]:
        """Split into windows of at most `size` tokens that overlap by `overlap`."""
        ...


class Embedder(Protocol):
    """Turns texts into dense vectors. Implementations keep blocking work off the loop."""

    @property
    def dimension(self) -> int: ...

    @property
    def name(self) -> str: ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...

    async def embed_query(self, text: str) -> list[float]: ...


class VectorStore(Protocol):
    """Chunk and turn vectors. `tenant_id` is a mandatory filter on every call."""

    async def ensure_ready(self, dimension: int) -> None:
        """Create missing collections; raise VectorStoreMismatch on a size mismatch."""
        ...

    async def upsert_chunks(
        self, tenant_id: str, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]
    ) -> None: ...

    async def search_chunks(
        self,
        tenant_id: str,
        vector: Sequence[float] | None,
        query_text: str,
        *,
        collections: Sequence[str] | None,
        top_k: int,
        mode: SearchMode = "dense",
        metadata_filter: JSON | None = None,
    ) -> list[ChunkHit]: ...

    async def delete_chunks(
        self,
        tenant_id: str,
        *,
        document_ids: Sequence[str] | None = None,
        chunk_ids: Sequence[str] | None = None,
        collection: str | None = None,
    ) -> None: ...

    async def count_chunks(self, tenant_id: str, *, document_id: str | None = None) -> int: ...

    async def chunk_vectors(
        self, tenant_id: str, chunk_ids: Sequence[str]
    ) -> dict[str, list[float]]:
        """The dense vectors of the tenant's chunks by id (ids not found are left out)."""
        ...

    async def upsert_turns(
        self,
        tenant_id: str,
        turns: Sequence[Turn],
        vectors: Sequence[Sequence[float]],
        user_id: str | None,
    ) -> None: ...

    async def search_turns(
        self,
        tenant_id: str,
        vector: Sequence[float],
        query_text: str,
        *,
        session_id: str | None,
        user_id: str | None,
        before_seq: int | None,
        top_k: int,
        from_seq: int | None = None,
    ) -> list[TurnHit]:
        """The `top_k` best turns by fused dense + BM25 score (domain/fusion.py); within one
        session optionally only seqs in [from_seq, before_seq)."""
        ...

    async def delete_turns(
        self, tenant_id: str, *, session_id: str, seqs: Sequence[int] | None = None
    ) -> None: ...

    async def count_turns(self, tenant_id: str, *, session_id: str | None = None) -> int: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


class LLMGateway(Protocol):
    """An OpenAI-compatible chat completions endpoint (or the offline responder)."""

    @property
    def default_model(self) -> str: ...

    async def complete(
        self, messages: Sequence[Message], *, model: str | None, params: JSON | None = None
    ) -> Completion: ...

    def stream(
        self, messages: Sequence[Message], *, model: str | None, params: JSON | None = None
    ) -> AsyncIterator[JSON]:
        """Yield OpenAI `chat.completion.chunk` objects as they arrive."""
        ...


class DocumentParser(Protocol):
    """Reads files into parsed documents. Blocking (CPU-bound): call it in a thread."""

    def detect(self, name: str, content_type: str | None = None) -> str | None:
        """The format of a file (one of documents.FORMATS) by name, else content type."""
        ...

    def parse(
        self, data: bytes, *, fmt: str, source: str
    ) -> list[ParsedDocument | DocumentParseError]:
        """One document for single-document formats, one per entry for batch formats
        (a broken entry is its error). Raises DocumentParseError for an unreadable file."""
        ...

    def parse_text(self, text: str, *, fmt: str) -> ParsedDocument:
        """Inline text (a JSON document's `text`) in the format text | markdown | html."""
        ...

    def supported(self) -> str:
        """The supported file name extensions, for messages."""
        ...


class Summarizer(Protocol):
    """Folds turns into a running summary, bounded in tokens."""

    @property
    def name(self) -> str: ...

    async def summarize(
        self, previous: str | None, turns: Sequence[Turn], *, max_tokens: int
    ) -> str: ...
