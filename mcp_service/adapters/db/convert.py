"""Row ↔ domain conversions (adapters return domain objects, never ORM rows)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_service.adapters.db.core import TURNS
from mcp_service.adapters.db.tables import (
    ChunkRow,
    CollectionRow,
    DocumentRow,
    SessionRow,
    SummaryRow,
)
from mcp_service.domain.model import (
    Chunk,
    Collection,
    Document,
    Role,
    Session,
    Summary,
    Turn,
)


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def upsert_insert(db: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """A dialect insert that supports ON CONFLICT (PostgreSQL and SQLite both do)."""
    if db.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def session_from_row(row: SessionRow, turn_count: int = 0) -> Session:
    return Session(
        tenant_id=row.tenant_id,
        id=row.id,
        user_id=row.user_id,
        metadata=dict(row.metadata_ or {}),
        state=dict(row.state or {}),
        system_prompt=row.system_prompt,
        model=row.model,
        policy=dict(row.policy or {}),
        collections=list(row.collections) if row.collections is not None else None,
        legal_hold=row.legal_hold,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        last_activity_at=aware(row.last_activity_at),
        turn_count=turn_count or row.next_seq - 1,
    )


# Every turn column but the large `report` (read by id only), in turn_from_columns' order.
TURN_COLUMNS = (
    TURNS.c.tenant_id,
    TURNS.c.session_id,
    TURNS.c.seq,
    TURNS.c.role,
    TURNS.c.content,
    TURNS.c.name,
    TURNS.c.token_count,
    TURNS.c.created_at,
    TURNS.c["metadata"],
    TURNS.c.model,
    TURNS.c.status,
    TURNS.c.usage,
    TURNS.c.latency_ms,
    TURNS.c.superseded_at,
)


def turn_from_columns(row: Any) -> Turn:
    """A Turn from a row of TURN_COLUMNS (same order)."""
    (
        tenant_id,
        session_id,
        seq,
        role,
        content,
        name,
        tokens,
        created,
        meta,
        model,
        status,
        usage,
        latency,
        superseded,
    ) = row
    return Turn(
        tenant_id=tenant_id,
        session_id=session_id,
        seq=seq,
        role=cast(Role, role),
        content=content,
        name=name,
        token_count=tokens,
        created_at=aware(created),
        metadata=dict(meta or {}),
        model=model,
        status=status,
        usage=usage,
        latency_ms=latency,
        superseded_at=aware(superseded) if superseded else None,
    )


def summary_from_row(row: SummaryRow) -> Summary:
    return Summary(
        tenant_id=row.tenant_id,
        session_id=row.session_id,
        version=row.version,
        content=row.content,
        through_seq=row.through_seq,
        token_count=row.token_count,
        created_at=aware(row.created_at),
    )


def collection_from_row(row: CollectionRow, document_count: int = 0) -> Collection:
    return Collection(
        tenant_id=row.tenant_id,
        name=row.name,
        description=row.description,
        created_at=aware(row.created_at),
        document_count=document_count,
    )


def document_from_row(row: DocumentRow) -> Document:
    return Document(
        id=row.id,
        tenant_id=row.tenant_id,
        collection=row.collection,
        external_id=row.external_id,
        title=row.title,
        content_hash=row.content_hash,
        metadata=dict(row.metadata_ or {}),
        chunk_count=row.chunk_count,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )


def chunk_from_row(row: ChunkRow) -> Chunk:
    return Chunk(
        id=row.id,
        tenant_id=row.tenant_id,
        collection=row.collection,
        document_id=row.document_id,
        position=row.position,
        text=row.text,
        token_count=row.token_count,
        metadata=dict(row.metadata_ or {}),
    )
