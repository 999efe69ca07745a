"""The one place that turns Settings into adapters and services."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from mcp_service.adapters.db.engine import DatabaseNotReady, make_engine, prepare_schema
from mcp_service.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from mcp_service.adapters.embedder import MicroBatchingEmbedder, SentenceTransformerEmbedder
from mcp_service.adapters.llm_gateway import OpenAICompatibleGateway
from mcp_service.adapters.metrics import ObservedGateway, PrometheusMetrics
from mcp_service.adapters.offline_responder import OfflineResponder
from mcp_service.adapters.onnx_embedder import OnnxEmbedder
from mcp_service.adapters.parsers import DocumentParsers
from mcp_service.adapters.pii_detectors import PatternPiiDetector
from mcp_service.adapters.qdrant_edge import QdrantEdgeStore
from mcp_service.adapters.qdrant_server import QdrantServerStore
from mcp_service.adapters.tokenizer import TiktokenCounter
from mcp_service.config import Settings
from mcp_service.domain.ports import Embedder, LLMGateway, Summarizer, TokenCounter, VectorStore
from mcp_service.services.conversation.chat import ChatService
from mcp_service.services.conversation.context import ContextService
from mcp_service.services.conversation.conversations import ConversationService
from mcp_service.services.conversation.idempotency import IdempotencyService
from mcp_service.services.conversation.memory import EMBED_TURNS, MemoryJobs
from mcp_service.services.conversation.memory_tools import MemoryTools
from mcp_service.services.conversation.reconciler import Reconciler
from mcp_service.services.conversation.sessions import SessionService
from mcp_service.services.conversation.summarizers import ExtractiveSummarizer, LLMSummarizer
from mcp_service.services.deps import Deps, ServiceConfig, utc_now
from mcp_service.services.governance.audit import AuditService
from mcp_service.services.governance.guarded import GuardedContextService, ScopedSummarizer
from mcp_service.services.governance.keys import KeyService
from mcp_service.services.governance.masked_store import MaskedStore
from mcp_service.services.governance.operations import Operations, build_operations
from mcp_service.services.governance.quotas import QuotaService
from mcp_service.services.governance.redaction import RedactingGateway, Redactor
from mcp_service.services.knowledge.collections import IngestLimits, KnowledgeService
from mcp_service.services.worker import Worker

log = logging.getLogger(__name__)
__all__ = ["Container", "DatabaseNotReady", "build_container", "prepare_database"]


@dataclass
class Container:
    """Everything a running service holds: settings, adapters, services."""

    settings: Settings
    engine: AsyncEngine
    deps: Deps
    sessions: SessionService
    context: ContextService
    chat: ChatService
    knowledge: KnowledgeService
    worker: Worker
    ops: Operations
    idempotency: IdempotencyService
    tools: MemoryTools
    metrics: PrometheusMetrics
    quotas: QuotaService
    audit: AuditService
    reconciler: Reconciler
    conversations: ConversationService
    closers: list[Any] = field(default_factory=list)

    async def aclose(self) -> None:
        for closer in reversed(self.closers):
            await closer()
        await self.engine.dispose()

    def start_background(self) -> Callable[[], Awaitable[None]]:
        """Start the in-process worker (two lanes: turn embeddings, and every other kind),
        the retention sweeper and housekeeping; return a coroutine function that stops them."""
        stop = asyncio.Event()
        others = set(self.worker.kinds) - {EMBED_TURNS}
        lanes = [self.worker.lane({EMBED_TURNS}, "embed"), self.worker.lane(others, "jobs")]
        tasks = [
            asyncio.create_task(lane.run_forever(stop), name=f"mcp-worker-{i}")
            for i, lane in enumerate(lanes)
        ]
        if self.settings.retention_interval_s > 0:
            sweep = self.ops.sweeper.run_forever(stop)
            tasks.append(asyncio.create_task(sweep, name="mcp-retention-sweeper"))
        if self.settings.housekeeping_interval_s > 0:
            chores = self.ops.housekeeping.run_forever(stop)
            tasks.append(asyncio.create_task(chores, name="mcp-housekeeping"))

        async def halt() -> None:
            stop.set()
            await asyncio.gather(*tasks)

        return halt


def service_config(settings: Settings) -> ServiceConfig:
    return ServiceConfig(
        default_system_prompt=settings.default_system_prompt,
        default_model=settings.llm_model,
        model_context_window=settings.model_context_window,
        reserved_completion_tokens=settings.reserved_completion_tokens,
        max_message_chars=settings.max_message_chars,
        max_turns_per_import=settings.max_turns_per_import,
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap_tokens=settings.chunk_overlap_tokens,
        retrieval_top_k=settings.retrieval_top_k,
        summary_model=settings.summary_model,
        stream_usage=settings.llm_stream_usage,
        idempotency_wait_s=settings.idempotency_wait_s,
        idempotency_ttl_s=settings.idempotency_ttl_s,
        idempotency_stale_s=settings.idempotency_stale_s,
    )


def ingest_limits(settings: Settings) -> IngestLimits:
    return IngestLimits(
        batch_chunks=settings.ingest_batch_chunks,
        sync_max_documents=settings.ingest_sync_max_documents,
        sync_max_bytes=settings.ingest_sync_max_bytes,
        job_lease_s=settings.ingest_lease_s,
    )


def make_counter(settings: Settings) -> TokenCounter:
    return TiktokenCounter(settings.llm_model)


def make_embedder(settings: Settings) -> MicroBatchingEmbedder:
    if settings.embedding_backend == "onnx" and settings.embedding_device == "cpu":
        return OnnxEmbedder(
            settings.embedding_model,
            cache_dir=settings.data_dir / "models",
            batch_size=settings.embedding_batch_size,
        )
    return SentenceTransformerEmbedder(
        settings.embedding_model,
        batch_size=settings.embedding_batch_size,
        device=settings.embedding_device,
    )


def make_vector_store(settings: Settings) -> VectorStore:
    if settings.qdrant_url:
        return QdrantServerStore(
            url=settings.qdrant_url,
            api_key=settings.qdrant_api_key,
            prefix=settings.qdrant_collection_prefix,
        )
    return QdrantEdgeStore(settings.data_dir / "qdrant")


def make_gateway(settings: Settings, counter: TokenCounter) -> LLMGateway:
    if not settings.llm_base_url:
        return OfflineResponder(count=counter.count)
    return OpenAICompatibleGateway(
        settings.llm_base_url,
        settings.llm_api_key,
        settings.llm_model,
        connect_timeout_s=settings.llm_connect_timeout_s,
        read_timeout_s=settings.llm_read_timeout_s,
        deadline_s=settings.llm_deadline_s,
        fallback_models=settings.llm_fallback_models,
    )


async def prepare_database(settings: Settings, *, migrate: bool | None = None) -> None:
    """Migrate (SQLite always, else when `migrate` or MCP_AUTO_MIGRATE says so), or check
    that the database is at the head; `DatabaseNotReady` otherwise."""
    wanted = migrate if migrate is not None else settings.migrates_at_start
    await prepare_schema(settings.resolved_database_url, upgrade=wanted)


async def build_container(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    vectors: VectorStore | None = None,
    gateway: LLMGateway | None = None,
    run_migrations: bool | None = None,
) -> Container:
    """Wire the service. Migrations run here on SQLite (the embedded default) and with
    MCP_AUTO_MIGRATE; any other database must already be at the head (`DatabaseNotReady`)."""
    url = settings.resolved_database_url
    await prepare_database(settings, migrate=run_migrations)
    engine = make_engine(url)
    counter = make_counter(settings)
    closers: list[Any] = []
    if embedder is None:
        st = make_embedder(settings)
        await st.warm()
        embedder = st
    if vectors is None:
        vectors = make_vector_store(settings)
        closers.append(vectors.close)
    await vectors.ensure_ready(embedder.dimension)
    if gateway is None:
        gateway = make_gateway(settings, counter)
        aclose = getattr(gateway, "aclose", None)
        if aclose is not None:
            closers.append(aclose)
    metrics = PrometheusMetrics()
    uow = SqlUnitOfWorkFactory(engine)
    # PII redaction wraps the gateway: every call site sends masked text.
    redactor = Redactor(uow, PatternPiiDetector(settings.pii_phone_region), settings.pii_redaction)
    gateway = RedactingGateway(ObservedGateway(gateway, metrics), redactor)
    summarizer: Summarizer = (
        ScopedSummarizer(
            LLMSummarizer(gateway, counter, settings.summary_model or settings.llm_model)
        )
        if settings.llm_base_url
        else ExtractiveSummarizer(embedder, counter)
    )

    async def close_uow() -> None:
        uow.dispose()

    closers.insert(0, close_uow)  # closed last, just before the engine
    deps = Deps(
        uow=MaskedStore(uow, redactor) if settings.pii_store == "mask" else uow,
        vectors=vectors,
        embedder=embedder,
        counter=counter,
        gateway=gateway,
        summarizer=summarizer,
        config=service_config(settings),
        observer=metrics,
    )
    quotas = QuotaService(uow, deps.now)
    context = GuardedContextService(deps, redactor, quotas)
    sessions = SessionService(deps)
    knowledge = KnowledgeService(deps, DocumentParsers(), ingest_limits(settings))
    memory = MemoryJobs(deps)
    handlers = {**memory.handlers(), **knowledge.jobs.handlers()}
    worker = Worker(
        deps, handlers, batch_handlers=memory.batch_handlers(), poll_s=settings.worker_poll_s
    )
    return Container(
        settings=settings,
        engine=engine,
        deps=deps,
        sessions=sessions,
        context=context,
        chat=ChatService(deps, context),
        knowledge=knowledge,
        worker=worker,
        ops=build_operations(
            deps,
            admin_tenant=settings.admin_tenant,
            retention_interval_s=settings.retention_interval_s,
            retention_lease_s=settings.retention_lease_s,
            retention_batch_size=settings.retention_batch_size,
            housekeeping_interval_s=settings.housekeeping_interval_s,
        ),
        idempotency=IdempotencyService(deps),
        tools=MemoryTools(deps),
        metrics=metrics,
        quotas=quotas,
        audit=AuditService(uow),
        reconciler=Reconciler(deps),
        conversations=ConversationService(deps, sessions),
        closers=closers,
    )


async def open_key_service(settings: Settings) -> tuple[KeyService, AsyncEngine]:
    """Only what managing keys needs (no embedder or vector store), for the CLI.
    The caller disposes of the engine. Migrates first on SQLite, like `build_container`."""
    await prepare_database(settings)
    engine = make_engine(settings.resolved_database_url)
    keys = KeyService(SqlUnitOfWorkFactory(engine), utc_now, admin_tenant=settings.admin_tenant)
    return keys, engine
