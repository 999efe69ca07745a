"""Domain objects. Adapters return these, never ORM rows or vector-store points."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]
ROLES: tuple[str, ...] = ("system", "user", "assistant", "tool")
Strategy = Literal["truncate", "sliding_window", "summarize"]
STRATEGIES: tuple[str, ...] = ("truncate", "sliding_window", "summarize")
SearchMode = Literal["dense", "lexical", "hybrid"]
JSON = dict[str, Any]


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    created_at: datetime
    settings: JSON = field(default_factory=dict)


@dataclass(frozen=True)
class ContextPolicy:
    """How a session's context is assembled. Every field has a working default."""

    strategy: Strategy = "summarize"
    window_turns: int | None = None  # sliding_window: keep at most this many recent turns
    min_recent_turns: int = 2
    recall: bool = True
    recall_scope: Literal["session", "user"] = "session"
    retrieval_mode: SearchMode = "hybrid"
    max_context_tokens: int | None = None
    # Shares of what is left after the mandatory parts, the minimum recent turns and the
    # state. Summary and knowledge take at most their share of it (what the summary leaves
    # flows to knowledge); recall may take up to `recall_share` of what they leave, as far
    # as relevant turns reach; the rest goes to more recent turns.
    summary_share: float = 0.15
    knowledge_share: float = 0.30
    recall_share: float = 0.85
    state_max_tokens: int = 300

    @staticmethod
    def from_dict(data: JSON | None) -> ContextPolicy:
        """Build from stored JSON, ignoring keys this version does not know."""
        if not data:
            return ContextPolicy()
        known = {k: v for k, v in data.items() if k in ContextPolicy.__dataclass_fields__}
        return ContextPolicy(**known)

    def to_dict(self) -> JSON:
        return {k: getattr(self, k) for k in ContextPolicy.__dataclass_fields__}


@dataclass(frozen=True)
class Session:
    tenant_id: str
    id: str
    user_id: str | None
    metadata: JSON
    state: JSON
    system_prompt: str | None
    model: str | None
    policy: JSON
    collections: list[str] | None  # None: all of the tenant's collections
    legal_hold: bool
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime
    turn_count: int = 0

    @property
    def context_policy(self) -> ContextPolicy:
        return ContextPolicy.from_dict(self.policy)


@dataclass(frozen=True)
class NewTurn:
    """A turn about to be written; token_count is computed by the service at write time."""

    role: Role
    content: str
    name: str | None = None
    created_at: datetime | None = None
    metadata: JSON = field(default_factory=dict)
    token_count: int = 0
    model: str | None = None
    status: Literal["complete", "incomplete"] = "complete"
    usage: JSON | None = None
    latency_ms: float | None = None
    report: JSON | None = None


@dataclass(frozen=True)
class Turn:
    tenant_id: str
    session_id: str
    seq: int
    role: Role
    content: str
    name: str | None
    token_count: int
    created_at: datetime
    metadata: JSON
    model: str | None = None
    status: str = "complete"
    usage: JSON | None = None
    latency_ms: float | None = None
    superseded_at: datetime | None = None  # set by a regenerate or an edit (see reconcile)


@dataclass(frozen=True)
class Summary:
    tenant_id: str
    session_id: str
    version: int
    content: str
    through_seq: int
    token_count: int
    created_at: datetime


@dataclass(frozen=True)
class Collection:
    tenant_id: str
    name: str
    description: str | None
    created_at: datetime
    document_count: int = 0


@dataclass(frozen=True)
class Document:
    id: str
    tenant_id: str
    collection: str
    external_id: str | None
    title: str | None
    content_hash: str
    metadata: JSON
    chunk_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Chunk:
    id: str
    tenant_id: str
    collection: str
    document_id: str
    position: int
    text: str
    token_count: int
    metadata: JSON


@dataclass(frozen=True)
class ChunkHit:
    """A retrieved chunk with its score; `legs` says which search found it."""

    chunk_id: str
    document_id: str
    collection: str
    text: str
    score: float
    metadata: JSON
    legs: tuple[str, ...] = ("dense",)
    token_count: int | None = None


@dataclass(frozen=True)
class TurnHit:
    """A recalled older turn (from the vector store): its fused score, and each leg's
    own score (None: that leg did not find it)."""

    session_id: str
    seq: int
    score: float
    dense: float | None = None
    lexical: float | None = None


@dataclass(frozen=True)
class Message:
    """A chat message as the gateway gets it. `content` is the text; `attachments` are the
    non-text content parts (image_url, input_audio, file ...), sent after the text;
    `tool_calls` (assistant) and `tool_call_id` (tool) are OpenAI's, passed as they came."""

    role: str
    content: str
    name: str | None = None
    tool_calls: tuple[JSON, ...] = ()
    tool_call_id: str | None = None
    attachments: tuple[JSON, ...] = ()

    def to_dict(self) -> JSON:
        out: JSON = {"role": self.role, "content": self.content}
        if self.attachments:
            text = [{"type": "text", "text": self.content}] if self.content else []
            out["content"] = [*text, *(dict(a) for a in self.attachments)]
        if self.tool_calls:
            out["tool_calls"] = [dict(c) for c in self.tool_calls]
            if not self.content:
                out["content"] = None
        if self.tool_call_id is not None:
            out["tool_call_id"] = self.tool_call_id
        if self.name:
            out["name"] = self.name
        return out


MAX_TOKENS = 2**31 - 1  # what an INTEGER column holds on every database


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int

    @staticmethod
    def parse(raw: object) -> Usage | None:
        """A gateway's `usage` object read defensively: values that are not whole
        non-negative numbers are ignored, the rest clamped to MAX_TOKENS; None when
        neither count is usable (the caller then estimates)."""
        if not isinstance(raw, dict):
            return None
        prompt = _token_count(raw.get("prompt_tokens"))
        completion = _token_count(raw.get("completion_tokens"))
        if prompt is None and completion is None:
            return None
        return Usage(prompt or 0, completion or 0)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> JSON:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


def _token_count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if number != number or number < 0:  # NaN or negative
        return None
    return min(int(number), MAX_TOKENS) if number < float(MAX_TOKENS) else MAX_TOKENS


@dataclass(frozen=True)
class Completion:
    content: str
    model: str
    usage: Usage
    finish_reason: str = "stop"
    latency_ms: float = 0.0
    tool_calls: tuple[JSON, ...] = ()  # as the gateway sent them (OpenAI shape)


@dataclass(frozen=True)
class Job:
    """A durable background job (outbox entry)."""

    id: str
    tenant_id: str | None
    kind: str
    payload: JSON
    status: str  # queued | running | done | dead
    attempts: int
    max_attempts: int
    run_after: datetime
    created_at: datetime
    updated_at: datetime
    last_error: str | None = None
    progress: JSON | None = None
    result: JSON | None = None
    locked_until: datetime | None = None  # a running job's lease: retried after it if it dies


@dataclass(frozen=True)
class IdempotencyRecord:
    """A claimed `Idempotency-Key`; `status_code` stays None while the first request runs."""

    tenant_id: str
    key: str
    request_hash: str
    created_at: datetime
    status_code: int | None = None
    response: JSON | None = None
    session_id: str | None = None  # the session it wrote to, deleted with it
