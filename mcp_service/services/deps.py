"""What every use case needs: the ports and the few settings they read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mcp_service.domain.ports import Embedder, LLMGateway, Summarizer, TokenCounter, VectorStore
from mcp_service.domain.repositories import UnitOfWorkFactory
from mcp_service.services.conversation.turn_cache import TurnCache
from mcp_service.services.observability import NullObserver, Observer


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ServiceConfig:
    """The settings services read (a plain copy, so services never import config)."""

    default_system_prompt: str = "You are a helpful assistant."
    default_model: str = "gpt-4o-mini"
    model_context_window: int = 16384
    reserved_completion_tokens: int = 1024
    max_message_chars: int = 32_000
    max_turns_per_import: int = 1000
    chunk_tokens: int = 200
    chunk_overlap_tokens: int = 32
    retrieval_top_k: int = 8
    history_window_limit: int = 400
    recall_top_k: int = 8
    summary_trigger_turns: int = 24  # unsummarised turns that start a summary job
    summary_keep_turns: int = 12  # newest turns never folded (they are the window)
    summary_batch_turns: int = 40  # at most this many turns folded per job
    summary_max_tokens: int = 400
    summary_model: str | None = None
    # Ask the gateway for usage in streams (stream_options.include_usage) so streamed
    # replies record real token counts; clients only see the usage chunk if they asked.
    stream_usage: bool = True
    idempotency_wait_s: float = 10.0  # how long a duplicate waits for the first request
    idempotency_stale_s: float = 300.0  # an unfinished claim older than this is taken over
    idempotency_ttl_s: float = 86_400.0  # keys are remembered this long


@dataclass
class Deps:
    uow: UnitOfWorkFactory
    vectors: VectorStore
    embedder: Embedder
    counter: TokenCounter
    gateway: LLMGateway
    summarizer: Summarizer | None = None
    config: ServiceConfig = field(default_factory=ServiceConfig)
    now: Callable[[], datetime] = utc_now
    observer: Observer = field(default_factory=NullObserver)
    turn_cache: TurnCache = field(default_factory=TurnCache)
