"""What the Qdrant Edge and qdrant-client stores share: names, ids, payloads, filters, legs.

Filters are built here as plain `Condition` values; each store turns them into its own
library's filter objects, so both stores filter by exactly the same rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from mcp_service.domain.errors import InvalidInput, VectorStoreMismatch
from mcp_service.domain.fusion import Fused
from mcp_service.domain.model import JSON, Chunk, ChunkHit, Turn, TurnHit

DENSE_VECTOR = "dense"
SPARSE_VECTOR = "bm25"
LEG_DENSE = "dense"
LEG_LEXICAL = "lexical"

CHUNK_KEYWORD_FIELDS = ("tenant_id", "collection", "document_id")
TURN_KEYWORD_FIELDS = ("tenant_id", "session_id", "user_id")
TURN_INTEGER_FIELDS = ("seq",)

# Never change: stored turn point ids are derived from it.
TURN_ID_NAMESPACE = uuid.UUID("5b0d6f0e-3a51-5c47-9d1e-2f6c8e7a4b13")


@dataclass(frozen=True)
class Equals:
    key: str
    value: str | int | bool


@dataclass(frozen=True)
class AnyOf:
    key: str
    values: tuple[str, ...] | tuple[int, ...]

    def as_list(self) -> list[str] | list[int]:
        # The libraries want a list of one type; a tuple keeps the condition immutable.
        return cast("list[str] | list[int]", list(self.values))


@dataclass(frozen=True)
class Range:
    """gte <= value < lt; either bound may be absent."""

    key: str
    gte: int | None = None
    lt: int | None = None


Condition = Equals | AnyOf | Range


class PointData(NamedTuple):
    """One point to write, before a store turns it into its library's type."""

    id: str
    vector: Sequence[float]
    text: str  # what BM25 indexes
    payload: JSON


def turn_point_id(tenant_id: str, session_id: str, seq: int) -> str:
    """Deterministic, so re-indexing a turn overwrites its point instead of adding one."""
    return str(uuid.uuid5(TURN_ID_NAMESPACE, f"{tenant_id}/{session_id}/{seq}"))


def prefetch_limit(top_k: int) -> int:
    """How deep each hybrid leg looks: fusion needs more candidates than it returns."""
    return max(top_k * 4, 20)


def chunk_points(
    tenant_id: str, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]
) -> list[PointData]:
    return [
        PointData(chunk.id, vector, chunk.text, chunk_payload(tenant_id, chunk))
        for chunk, vector in zip(chunks, vectors, strict=True)
    ]


def turn_points(
    tenant_id: str, turns: Sequence[Turn], vectors: Sequence[Sequence[float]], user_id: str | None
) -> list[PointData]:
    return [
        PointData(
            turn_point_id(tenant_id, turn.session_id, turn.seq),
            vector,
            turn.content,
            turn_payload(tenant_id, turn, user_id),
        )
        for turn, vector in zip(turns, vectors, strict=True)
    ]


def chunk_payload(tenant_id: str, chunk: Chunk) -> JSON:
    if chunk.tenant_id != tenant_id:
        raise ValueError(
            f"chunk {chunk.id} belongs to tenant {chunk.tenant_id!r}, not {tenant_id!r}"
        )
    return {
        "tenant_id": tenant_id,
        "collection": chunk.collection,
        "document_id": chunk.document_id,
        "chunk_id": chunk.id,
        "text": chunk.text,
        "position": chunk.position,
        "token_count": chunk.token_count,
        "metadata": dict(chunk.metadata),
    }


def turn_payload(tenant_id: str, turn: Turn, user_id: str | None) -> JSON:
    if turn.tenant_id != tenant_id:
        raise ValueError(f"turn {turn.seq} belongs to tenant {turn.tenant_id!r}, not {tenant_id!r}")
    return {
        "tenant_id": tenant_id,
        "session_id": turn.session_id,
        "user_id": user_id,
        "seq": turn.seq,
        "role": turn.role,
        "created_at": turn.created_at.isoformat(),
    }


def chunk_search_conditions(
    tenant_id: str, collections: Sequence[str] | None, metadata_filter: JSON | None
) -> list[Condition]:
    conditions: list[Condition] = [Equals("tenant_id", tenant_id)]
    if collections is not None:
        conditions.append(AnyOf("collection", tuple(collections)))
    for key, value in (metadata_filter or {}).items():
        conditions.append(Equals(f"metadata.{_metadata_key(key)}", _metadata_value(key, value)))
    return conditions


def chunk_delete_conditions(
    tenant_id: str,
    document_ids: Sequence[str] | None,
    chunk_ids: Sequence[str] | None,
    collection: str | None,
) -> list[Condition]:
    conditions: list[Condition] = [Equals("tenant_id", tenant_id)]
    if document_ids is not None:
        conditions.append(AnyOf("document_id", tuple(document_ids)))
    if chunk_ids is not None:
        conditions.append(AnyOf("chunk_id", tuple(chunk_ids)))
    if collection is not None:
        conditions.append(Equals("collection", collection))
    return conditions


def chunk_count_conditions(tenant_id: str, document_id: str | None) -> list[Condition]:
    conditions: list[Condition] = [Equals("tenant_id", tenant_id)]
    if document_id is not None:
        conditions.append(Equals("document_id", document_id))
    return conditions


def turn_search_conditions(
    tenant_id: str,
    session_id: str | None,
    user_id: str | None,
    before_seq: int | None,
    from_seq: int | None = None,
) -> list[Condition]:
    conditions: list[Condition] = [Equals("tenant_id", tenant_id)]
    if session_id is not None:
        conditions.append(Equals("session_id", session_id))
        # seq numbers are per session: a bound only means something within one.
        if before_seq is not None or from_seq is not None:
            conditions.append(Range("seq", gte=from_seq, lt=before_seq))
    if user_id is not None:
        conditions.append(Equals("user_id", user_id))
    return conditions


def turn_delete_conditions(
    tenant_id: str, session_id: str, seqs: Sequence[int] | None
) -> list[Condition]:
    conditions: list[Condition] = [Equals("tenant_id", tenant_id), Equals("session_id", session_id)]
    if seqs is not None:
        conditions.append(AnyOf("seq", tuple(seqs)))
    return conditions


def turn_count_conditions(tenant_id: str, session_id: str | None) -> list[Condition]:
    conditions: list[Condition] = [Equals("tenant_id", tenant_id)]
    if session_id is not None:
        conditions.append(Equals("session_id", session_id))
    return conditions


def selects_nothing(conditions: Sequence[Condition]) -> bool:
    """An empty any-of list matches no point; skip the call rather than trust each library."""
    return any(isinstance(c, AnyOf) and not c.values for c in conditions)


def chunk_hit(payload: JSON | None, score: float, legs: tuple[str, ...]) -> ChunkHit:
    data: dict[str, Any] = payload or {}
    return ChunkHit(
        chunk_id=str(data["chunk_id"]),
        document_id=str(data["document_id"]),
        collection=str(data["collection"]),
        text=str(data.get("text", "")),
        score=float(score),
        metadata=dict(data.get("metadata") or {}),
        legs=legs,
        token_count=data.get("token_count"),
    )


def turn_hit(payload: JSON | None, hit: Fused[str]) -> TurnHit:
    data: dict[str, Any] = payload or {}
    return TurnHit(
        session_id=str(data["session_id"]),
        seq=int(data["seq"]),
        score=hit.score,
        dense=hit.dense,
        lexical=hit.lexical,
    )


def owned_vectors(
    tenant_id: str, records: Iterable[tuple[str, JSON | None, object]]
) -> dict[str, list[float]]:
    """Dense vectors of retrieved (id, payload, vectors) records that belong to the tenant."""
    found: dict[str, list[float]] = {}
    for point_id, payload, vectors in records:
        if (payload or {}).get("tenant_id") != tenant_id:
            continue  # another tenant's point: as if it did not exist
        dense = vectors.get(DENSE_VECTOR) if isinstance(vectors, dict) else vectors
        if isinstance(dense, list):
            found[point_id] = [float(x) for x in dense]
    return found


def check_batch(
    items: Sequence[object], vectors: Sequence[Sequence[float]], dimension: int
) -> None:
    """Refuse a batch that the store would reject halfway, with a message that says why."""
    if len(items) != len(vectors):
        raise ValueError(f"{len(items)} items but {len(vectors)} vectors")
    for vector in vectors:
        if len(vector) != dimension:
            raise VectorStoreMismatch(
                f"got a {len(vector)}-dimensional vector; the vector store holds "
                f"{dimension}-dimensional vectors"
            )


def mismatch(where: str, stored: int | None, wanted: int, remedy: str) -> VectorStoreMismatch:
    """The error for a store built with another embedding model; says what to do about it."""
    held = f"{stored}-dimensional vectors" if stored is not None else "vectors of another size"
    message = (
        f"{where} holds {held}, but the configured embedding model produces "
        f"{wanted}-dimensional ones."
    )
    return VectorStoreMismatch(f"{message} {remedy}".strip())


def _metadata_key(key: str) -> str:
    # A dot or bracket would make the key a nested path and filter on something else.
    if not key or any(ch in key for ch in ".[]"):
        raise InvalidInput(f"metadata filter key {key!r} is not a plain field name", field="filter")
    return key


def _metadata_value(key: str, value: object) -> str | int | bool:
    # Exact matching is defined for these only; a float or list would silently never match.
    if isinstance(value, str | int | bool):
        return value
    raise InvalidInput(
        f"metadata filter {key!r} must be a string, integer or boolean, got {type(value).__name__}",
        field="filter",
    )
