"""`VectorStore` on Qdrant Edge: two embedded shards under the data directory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import qdrant_edge as qe

from mcp_service.adapters import vector_common as vc
from mcp_service.adapters.qdrant_edge_shard import Shard, flush_and_close, open_shard, to_filter
from mcp_service.domain.errors import DomainError, VectorStoreUnavailable
from mcp_service.domain.fusion import TURN_LEXICAL_WEIGHT, Fused, fuse
from mcp_service.domain.model import JSON, Chunk, ChunkHit, SearchMode, Turn, TurnHit

T = TypeVar("T")

_REMEDY = (
    "Point MCP_DATA_DIR at another directory, or delete {base}/chunks and {base}/turns and "
    "re-index (documents and turns are kept in the database) to rebuild the vectors with "
    "the current model."
)
_TURN_INDEXES = (vc.TURN_KEYWORD_FIELDS, vc.TURN_INTEGER_FIELDS)


class QdrantEdgeStore:
    """`VectorStore` kept in-process: `<base_dir>/chunks` and `<base_dir>/turns`.

    Every shard call blocks, so each runs in a worker thread; writes to one shard are
    serialised. Call `ensure_ready(dimension)` before anything else and `close()` at exit.
    """

    def __init__(self, base_dir: str | Path) -> None:
        self._base_dir = Path(base_dir)
        self._bm25 = qe.Bm25()
        self._dimension: int | None = None
        self._chunks: Shard | None = None
        self._turns: Shard | None = None
        self._open_lock = asyncio.Lock()

    async def ensure_ready(self, dimension: int) -> None:
        async with self._open_lock:  # two concurrent openers would open each shard twice
            await self._open(dimension)

    async def _open(self, dimension: int) -> None:
        if self._dimension is not None:
            if dimension != self._dimension:
                raise vc.mismatch(
                    f"The open vector store in {self._base_dir}", self._dimension, dimension, ""
                )
            return
        remedy = _REMEDY.format(base=self._base_dir)
        chunks_path, turns_path = self._base_dir / "chunks", self._base_dir / "turns"
        chunks = await asyncio.to_thread(
            open_shard, chunks_path, dimension, remedy, vc.CHUNK_KEYWORD_FIELDS, ()
        )
        try:
            turns = await asyncio.to_thread(
                open_shard, turns_path, dimension, remedy, *_TURN_INDEXES
            )
        except BaseException:
            await asyncio.to_thread(chunks.close)  # leave nothing half open
            raise
        self._chunks, self._turns = Shard(chunks_path, chunks), Shard(turns_path, turns)
        self._dimension = dimension

    async def upsert_chunks(
        self, tenant_id: str, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]
    ) -> None:
        vc.check_batch(chunks, vectors, self._ready_dimension())
        await self._upsert(self._shard("chunks"), vc.chunk_points(tenant_id, chunks, vectors))

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
    ) -> list[ChunkHit]:
        conditions = vc.chunk_search_conditions(tenant_id, collections, metadata_filter)
        if top_k <= 0 or vc.selects_nothing(conditions):
            return []
        shard = self._shard("chunks")
        where = to_filter(conditions)
        if mode == "hybrid" and vector is not None:
            return await self._hybrid_chunks(shard, vector, query_text, where, top_k)
        if mode == "dense":
            if vector is None:
                raise ValueError("dense search needs a query vector")
            query, leg = self._dense(vector), vc.LEG_DENSE
        else:  # lexical, or hybrid without a vector
            query, leg = self._lexical(query_text), vc.LEG_LEXICAL
        request = qe.QueryRequest(limit=top_k, query=query, filter=where, with_payload=True)
        points = await self._call(shard, "search", lambda s: s.query(request))
        return [vc.chunk_hit(p.payload, p.score, (leg,)) for p in points]

    async def delete_chunks(
        self,
        tenant_id: str,
        *,
        document_ids: Sequence[str] | None = None,
        chunk_ids: Sequence[str] | None = None,
        collection: str | None = None,
    ) -> None:
        """Delete the tenant's chunks matching every selector given (all of them if none)."""
        conditions = vc.chunk_delete_conditions(tenant_id, document_ids, chunk_ids, collection)
        await self._delete(self._shard("chunks"), conditions)

    async def count_chunks(self, tenant_id: str, *, document_id: str | None = None) -> int:
        return await self._count(
            self._shard("chunks"), vc.chunk_count_conditions(tenant_id, document_id)
        )

    async def chunk_vectors(
        self, tenant_id: str, chunk_ids: Sequence[str]
    ) -> dict[str, list[float]]:
        if not chunk_ids:
            return {}
        ids: list[qe.PointId] = list(chunk_ids)
        records = await self._call(
            self._shard("chunks"),
            "retrieve",
            lambda s: s.retrieve(ids, with_payload=["tenant_id"], with_vector=[vc.DENSE_VECTOR]),
        )
        return vc.owned_vectors(tenant_id, ((str(r.id), r.payload, r.vector) for r in records))

    async def upsert_turns(
        self,
        tenant_id: str,
        turns: Sequence[Turn],
        vectors: Sequence[Sequence[float]],
        user_id: str | None,
    ) -> None:
        vc.check_batch(turns, vectors, self._ready_dimension())
        await self._upsert(self._shard("turns"), vc.turn_points(tenant_id, turns, vectors, user_id))

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
        if top_k <= 0:
            return []
        conditions = vc.turn_search_conditions(tenant_id, session_id, user_id, before_seq, from_seq)
        batch = self._legs(vector, query_text, to_filter(conditions), top_k, payload=True)

        def search(edge: qe.EdgeShard) -> tuple[list[Fused[str]], dict[str, JSON | None]]:
            dense, lexical = edge.query_batch(batch)
            payloads = {str(p.id): p.payload for p in (*dense, *lexical)}
            return fuse(_scores(dense), _scores(lexical), lexical_weight=TURN_LEXICAL_WEIGHT)[
                :top_k
            ], payloads

        hits, payloads = await self._call(self._shard("turns"), "search", search)
        return [vc.turn_hit(payloads[h.key], h) for h in hits]

    async def delete_turns(
        self, tenant_id: str, *, session_id: str, seqs: Sequence[int] | None = None
    ) -> None:
        conditions = vc.turn_delete_conditions(tenant_id, session_id, seqs)
        await self._delete(self._shard("turns"), conditions)

    async def count_turns(self, tenant_id: str, *, session_id: str | None = None) -> int:
        return await self._count(
            self._shard("turns"), vc.turn_count_conditions(tenant_id, session_id)
        )

    async def optimize(self) -> bool:
        """Build the HNSW vector indexes over what was written since the last build.

        Qdrant Edge runs its optimizers only when asked, and until then searches scan the
        filtered points (about 35 ms at 100,000 chunks in one collection, 3 ms once
        indexed). The build holds the Python GIL throughout (minutes at 100,000 chunks on
        two cores): the whole process stalls, so call it where nothing waits on it, as
        `mcp-service ingest` and `mcp-service index` do. Returns whether anything changed.
        """
        changed = False
        for name in ("chunks", "turns"):
            shard = self._shard(name)
            async with shard.write_lock:
                changed |= await self._call(shard, "optimize", lambda s: s.optimize())
        return changed

    async def ping(self) -> None:
        shard = self._shard("chunks")
        await self._call(shard, "ping", lambda s: s.count(qe.CountRequest(exact=False)))

    async def close(self) -> None:
        """Flush and close both shards; the store can be opened again with `ensure_ready`."""
        async with self._open_lock:
            await self._close()

    async def _close(self) -> None:
        for shard in (self._chunks, self._turns):
            if shard is not None:
                async with shard.write_lock:
                    await self._call(shard, "close", flush_and_close)
        self._chunks = self._turns = None
        self._dimension = None

    async def _hybrid_chunks(
        self, shard: Shard, vector: Sequence[float], text: str, where: qe.Filter, top_k: int
    ) -> list[ChunkHit]:
        # Each leg runs once and is fused here by score (domain/fusion.py), which also
        # tells which leg found each hit; payloads are read for the winners only.
        batch = self._legs(vector, text, where, vc.prefetch_limit(top_k), payload=False)

        def search(edge: qe.EdgeShard) -> tuple[list[Fused[str]], JSON]:
            dense, lexical = edge.query_batch(batch)
            hits = fuse(_scores(dense), _scores(lexical))[:top_k]
            ids: list[qe.PointId] = [h.key for h in hits]
            records = edge.retrieve(ids, with_payload=True, with_vector=False) if ids else []
            return hits, {str(r.id): r.payload for r in records}

        hits, payloads = await self._call(shard, "search", search)
        return [
            vc.chunk_hit(payloads[h.key], h.score, h.legs)
            for h in hits
            if h.key in payloads  # deleted between the query and the read
        ]

    def _legs(
        self, vector: Sequence[float], text: str, where: qe.Filter, depth: int, *, payload: bool
    ) -> qe.QueryBatchRequest:
        return qe.QueryBatchRequest(
            [
                qe.QueryRequest(
                    limit=depth, query=self._dense(vector), filter=where, with_payload=payload
                ),
                qe.QueryRequest(
                    limit=depth, query=self._lexical(text), filter=where, with_payload=payload
                ),
            ]
        )

    def _dense(self, vector: Sequence[float]) -> qe.Query:
        return qe.Query.Nearest(list(vector), using=vc.DENSE_VECTOR)

    def _lexical(self, text: str) -> qe.Query:
        return qe.Query.Nearest(self._bm25.embed_query(text), using=vc.SPARSE_VECTOR)

    async def _upsert(self, shard: Shard, points: list[vc.PointData]) -> None:
        if not points:
            return

        def write(edge: qe.EdgeShard) -> None:
            # BM25 runs here, in the worker thread, with the rest of the blocking work.
            batch = [
                qe.Point(
                    point_id,
                    {
                        vc.DENSE_VECTOR: list(vector),
                        vc.SPARSE_VECTOR: self._bm25.embed_document(text),
                    },
                    payload,
                )
                for point_id, vector, text, payload in points
            ]
            edge.update(qe.UpdateOperation.upsert_points(batch))

        async with shard.write_lock:
            await self._call(shard, "upsert", write)

    async def _delete(self, shard: Shard, conditions: list[vc.Condition]) -> None:
        if vc.selects_nothing(conditions):
            return
        operation = qe.UpdateOperation.delete_points_by_filter(to_filter(conditions))
        async with shard.write_lock:
            await self._call(shard, "delete", lambda s: s.update(operation))

    async def _count(self, shard: Shard, conditions: list[vc.Condition]) -> int:
        if vc.selects_nothing(conditions):
            return 0
        request = qe.CountRequest(exact=True, filter=to_filter(conditions))
        return await self._call(shard, "count", lambda s: s.count(request))

    async def _call(self, shard: Shard, action: str, func: Callable[[qe.EdgeShard], T]) -> T:
        try:
            return await asyncio.to_thread(func, shard.shard)
        except DomainError:
            raise
        except Exception as exc:
            # qdrant-edge raises bare `Exception` for everything (I/O, closed shard, bad
            # request), so there is no narrower class to catch.
            raise VectorStoreUnavailable(
                f"Qdrant Edge shard {shard.path} failed to {action}: {exc}"
            ) from exc

    def _shard(self, name: str) -> Shard:
        shard = self._chunks if name == "chunks" else self._turns
        if shard is None:
            raise VectorStoreUnavailable(
                f"the vector store in {self._base_dir} is not open (ensure_ready not called, "
                "or already closed)"
            )
        return shard

    def _ready_dimension(self) -> int:
        self._shard("chunks")
        assert self._dimension is not None
        return self._dimension


def _scores(points: Sequence[qe.ScoredPoint]) -> list[tuple[str, float]]:
    return [(str(p.id), float(p.score)) for p in points]
