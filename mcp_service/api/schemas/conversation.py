"""Request and response bodies. Unknown fields are rejected with a 422 naming them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mcp_service.domain.inputs import ID_PATTERN as ID_PATTERN
from mcp_service.domain.inputs import NAME_PATTERN as NAME_PATTERN
from mcp_service.domain.model import Collection, Document, Session, Turn


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PolicyIn(Strict):
    strategy: Literal["truncate", "sliding_window", "summarize"] = "summarize"
    window_turns: int | None = Field(default=None, ge=1)
    min_recent_turns: int = Field(default=2, ge=0)
    recall: bool = True
    recall_scope: Literal["session", "user"] = "session"
    retrieval_mode: Literal["dense", "lexical", "hybrid"] = "hybrid"
    max_context_tokens: int | None = Field(default=None, ge=1)
    summary_share: float = Field(default=0.15, ge=0, le=1)
    knowledge_share: float = Field(default=0.30, ge=0, le=1)
    recall_share: float = Field(default=0.85, ge=0, le=1)
    state_max_tokens: int = Field(default=300, ge=0)


class SessionFields(Strict):
    user_id: str | None = Field(default=None, max_length=200)
    metadata: dict[str, Any] | None = None
    state: dict[str, Any] | None = None
    system_prompt: str | None = Field(default=None, max_length=32_000)
    model: str | None = Field(default=None, max_length=200)
    policy: PolicyIn | None = None
    collections: list[str] | None = None
    legal_hold: bool | None = None

    def to_fields(self) -> dict[str, Any]:
        data = self.model_dump(exclude_unset=True)
        if data.get("legal_hold") is None:
            data.pop("legal_hold", None)
        return data


class SessionCreate(SessionFields):
    id: str | None = Field(default=None, pattern=ID_PATTERN)


class SessionOut(BaseModel):
    id: str
    user_id: str | None
    metadata: dict[str, Any]
    state: dict[str, Any]
    system_prompt: str | None
    model: str | None
    policy: dict[str, Any]
    collections: list[str] | None
    legal_hold: bool
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime
    turn_count: int
    memory: dict[str, Any] | None = None

    @staticmethod
    def of(s: Session) -> SessionOut:
        return SessionOut(
            id=s.id,
            user_id=s.user_id,
            metadata=s.metadata,
            state=s.state,
            system_prompt=s.system_prompt,
            model=s.model,
            policy=s.context_policy.to_dict(),
            collections=s.collections,
            legal_hold=s.legal_hold,
            created_at=s.created_at,
            updated_at=s.updated_at,
            last_activity_at=s.last_activity_at,
            turn_count=s.turn_count,
        )


class TurnIn(Strict):
    role: Literal["system", "user", "assistant", "tool"]
    content: str = Field(min_length=1)
    name: str | None = Field(default=None, max_length=200)
    created_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class TurnsIn(Strict):
    turns: list[TurnIn] = Field(min_length=1)


class TurnOut(BaseModel):
    seq: int
    role: str
    content: str
    name: str | None
    token_count: int
    created_at: datetime
    metadata: dict[str, Any]
    model: str | None
    status: str
    usage: dict[str, Any] | None
    superseded_at: datetime | None = None

    @staticmethod
    def of(t: Turn) -> TurnOut:
        return TurnOut(
            seq=t.seq,
            role=t.role,
            content=t.content,
            name=t.name,
            token_count=t.token_count,
            created_at=t.created_at,
            metadata=t.metadata,
            model=t.model,
            status=t.status,
            usage=t.usage,
            superseded_at=t.superseded_at,
        )


class ContextIn(Strict):
    message: str = Field(min_length=1)
    max_context_tokens: int | None = Field(default=None, ge=1)


class ChatIn(ContextIn):
    stream: bool = False
    model: str | None = Field(default=None, max_length=200)
    params: dict[str, Any] | None = None


class CollectionIn(Strict):
    name: str = Field(pattern=NAME_PATTERN)
    description: str | None = Field(default=None, max_length=2000)


class CollectionOut(BaseModel):
    name: str
    description: str | None
    created_at: datetime
    document_count: int

    @staticmethod
    def of(c: Collection) -> CollectionOut:
        return CollectionOut(
            name=c.name,
            description=c.description,
            created_at=c.created_at,
            document_count=c.document_count,
        )


class DocumentIn(Strict):
    external_id: str | None = Field(default=None, max_length=500)
    title: str | None = Field(default=None, max_length=2000)
    text: str = Field(min_length=1)
    metadata: dict[str, Any] = Field(default_factory=dict)


class DocumentsIn(Strict):
    documents: list[DocumentIn] = Field(min_length=1)


class DocumentOut(BaseModel):
    id: str
    collection: str
    external_id: str | None
    title: str | None
    content_hash: str
    metadata: dict[str, Any]
    chunk_count: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def of(d: Document) -> DocumentOut:
        return DocumentOut(
            id=d.id,
            collection=d.collection,
            external_id=d.external_id,
            title=d.title,
            content_hash=d.content_hash,
            metadata=d.metadata,
            chunk_count=d.chunk_count,
            created_at=d.created_at,
            updated_at=d.updated_at,
        )


class SearchIn(Strict):
    query: str = Field(min_length=1)
    top_k: int = Field(default=5, ge=1, le=100)
    mode: Literal["dense", "lexical", "hybrid"] = "hybrid"
    # Filter values are matched as keywords or 64-bit integers.
    filter: dict[str, str | Annotated[int, Field(ge=-(2**63), le=2**63 - 1)] | bool] | None = None
