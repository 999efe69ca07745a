"""`VectorStore` on a Qdrant server through qdrant-client (or its local mode, for tests)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx
import qdrant_edge
from qdrant_client import AsyncQdrantClient, models
from qdrant_client.http.exceptions import ApiException, UnexpectedResponse

from mcp_service.adapters import vector_common as vc
from mcp_service.domain.errors import VectorStoreMismatch, VectorStoreUnavailable
from mcp_service.domain.fusion import TURN_LEXICAL_WEIGHT, fuse
from mcp_service.domain.model import JSON, Chunk, ChunkHit, SearchMode, Turn, TurnHit

# What qdrant-client raises when the server is away or refuses; local mode raises
# ValueError/RuntimeError for the same situations (missing collection, closed client).
_CLIENT_ERRORS = (ApiException, httpx.HTTPError, OSError, ValueError, RuntimeError)
_REMEDY = (
    "Set MCP_QDRANT_COLLECTION_PREFIX to a new prefix, or delete the collection and re-index "
    "(documents and turns are kept in the database) to rebuild it with the current model."
)


class QdrantServerStore:
    """`VectorStore` in two collections, `<prefix>_chunks` and `<prefix>_turns`.

    Give `url` (and `api_key`) for a server, or `location=":memory:"` for qdrant-client's
    local mode, which is slow and ignores payload indexes: fine for tests only.
    """

    def __init__(
        self,
        *,
        url: str | None = None,
        api_key: str | None = None,
        location: str | None = None,
        prefix: str = "mcp",
        timeout_s: int = 10,
        check_compatibility: bool = True,
    ) -> None:
        if (url is None) == (location is None):
            raise ValueError("give exactly one of url (a server) or location (local mode)")
        if url is not None:
            # The version check runs in a background thread and only warns, even after
            # this call returns; callers probing a server that may be down can skip it.
            self._client = AsyncQdrantClient(
                url=url,
                api_key=api_key,
                timeout=timeout_s,
                check_compatibility=check_compatibility,
            )
        else:
            self._client = AsyncQdrantClient(location=location)
        self._where = url or f"local Qdrant {location}"
        self._local = url is None
        self._chunks = f"{prefix}_chunks"
        self._turns = f"{prefix}_turns"
        self._bm25 = qdrant_edge.Bm25()  # sparse vectors computed here: no model download
        self._dimension: int | None = None

    async def ensure_ready(self, dimension: int) -> None:
        await self._ensure_collection(self._chunks, dimension, vc.CHUNK_KEYWORD_FIELDS, ())
        await self._ensure_collection(
            self._turns, dimension, vc.TURN_KEYWORD_FIELDS, vc.TURN_INTEGER_FIELDS
        )
        self._dimension = dimension

    async def upsert_chunks(
        self, tenant_id: str, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]
    ) -> None:
        vc.check_batch(chunks, vectors, self._ready_dimension())
        await self._upsert(self._chunks, vc.chunk_points(tenant_id, chunks, vectors))

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
        where = _filter(conditions)
        if mode == "hybrid" and vector is not None:
            return await self._hybrid_chunks(vector, query_text, where, top_k)
        if mode == "dense":
            if vector is None:
                raise ValueError("dense search needs a query vector")
            request, leg = self._dense_request(vector, where, top_k, True), vc.LEG_DENSE
        else:  # lexical, or hybrid without a vector
            request = self._lexical_request(query_text, where, top_k, True)
            leg = vc.LEG_LEXICAL
        (response,) = await self._query(self._chunks, [request])
        return [vc.chunk_hit(p.payload, p.score, (leg,)) for p in response.points]

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
        await self._delete(self._chunks, conditions)

    async def count_chunks(self, tenant_id: str, *, document_id: str | None = None) -> int:
        return await self._count(self._chunks, vc.chunk_count_conditions(tenant_id, document_id))

    async def chunk_vectors(
        self, tenant_id: str, chunk_ids: Sequence[str]
    ) -> dict[str, list[float]]:
        if not chunk_ids:
            return {}
        async with self._guard("retrieve from", self._chunks):
            records = await self._client.retrieve(
                self._chunks,
                ids=list(chunk_ids),
                with_payload=["tenant_id"],
                with_vectors=[vc.DENSE_VECTOR],
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
        await self._upsert(self._turns, vc.turn_points(tenant_id, turns, vectors, user_id))

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
        where = _filter(conditions)
        dense, lexical = await self._query(
            self._turns,
            [
                self._dense_request(vector, where, top_k, True),
                self._lexical_request(query_text, where, top_k, True),
            ],
        )
        payloads = {str(p.id): p.payload for p in (*dense.points, *lexical.points)}
        hits = fuse(_scores(dense), _scores(lexical), lexical_weight=TURN_LEXICAL_WEIGHT)[:top_k]
        return [vc.turn_hit(payloads[h.key], h) for h in hits]

    async def delete_turns(
        self, tenant_id: str, *, session_id: str, seqs: Sequence[int] | None = None
    ) -> None:
        await self._delete(self._turns, vc.turn_delete_conditions(tenant_id, session_id, seqs))

    async def count_turns(self, tenant_id: str, *, session_id: str | None = None) -> int:
        return await self._count(self._turns, vc.turn_count_conditions(tenant_id, session_id))

    async def ping(self) -> None:
        async with self._guard("answer a ping", "the server"):
            await self._client.get_collections()

    async def close(self) -> None:
        async with self._guard("close", "the client"):
            await self._client.close()
        self._dimension = None

    async def _ensure_collection(
        self, name: str, dimension: int, keywords: Sequence[str], integers: Sequence[str]
    ) -> None:
        async with self._guard("prepare", name):
            if not await self._client.collection_exists(name):
                await self._create_collection(name, dimension)
            info = await self._client.get_collection(name)
            _check_dimension(f"Collection {name!r} at {self._where}", info, dimension)
            # Local mode warns that payload indexes do nothing there (and tests turn
            # warnings into errors), so indexes are only made on a real server.
            if not self._local:
                await self._create_indexes(name, set(info.payload_schema), keywords, integers)

    async def _create_collection(self, name: str, dimension: int) -> None:
        try:
            await self._client.create_collection(
                name,
                vectors_config={
                    vc.DENSE_VECTOR: models.VectorParams(
                        size=dimension, distance=models.Distance.COSINE
                    )
                },
                sparse_vectors_config={
                    vc.SPARSE_VECTOR: models.SparseVectorParams(modifier=models.Modifier.IDF)
                },
            )
        except UnexpectedResponse as exc:
            if exc.status_code != 409:  # 409: another instance created it just now
                raise

    async def _create_indexes(
        self, name: str, present: set[str], keywords: Sequence[str], integers: Sequence[str]
    ) -> None:
        wanted = [(field, models.PayloadSchemaType.KEYWORD) for field in keywords]
        wanted += [(field, models.PayloadSchemaType.INTEGER) for field in integers]
        for field, schema in wanted:
            if field not in present:
                await self._client.create_payload_index(name, field, field_schema=schema)

    async def _hybrid_chunks(
        self, vector: Sequence[float], text: str, where: models.Filter, top_k: int
    ) -> list[ChunkHit]:
        # Both legs in one batch, fused here by score (domain/fusion.py), which also tells
        # which leg found each hit.
        depth = vc.prefetch_limit(top_k)
        dense, lexical = await self._query(
            self._chunks,
            [
                self._dense_request(vector, where, depth, True),
                self._lexical_request(text, where, depth, True),
            ],
        )
        payloads = {str(p.id): p.payload for p in (*dense.points, *lexical.points)}
        hits = fuse(_scores(dense), _scores(lexical))[:top_k]
        return [vc.chunk_hit(payloads[h.key], h.score, h.legs) for h in hits]

    def _dense_request(
        self, vector: Sequence[float], where: models.Filter, limit: int, payload: bool = False
    ) -> models.QueryRequest:
        return models.QueryRequest(
            query=list(vector),
            using=vc.DENSE_VECTOR,
            filter=where,
            limit=limit,
            with_payload=payload,
        )

    def _lexical_request(
        self, text: str, where: models.Filter, limit: int, payload: bool = False
    ) -> models.QueryRequest:
        return models.QueryRequest(
            query=self._sparse_query(text),
            using=vc.SPARSE_VECTOR,
            filter=where,
            limit=limit,
            with_payload=payload,
        )

    def _sparse_query(self, text: str) -> models.SparseVector:
        sparse = self._bm25.embed_query(text)
        return models.SparseVector(indices=sparse.indices, values=sparse.values)

    async def _query(
        self, collection: str, requests: list[models.QueryRequest]
    ) -> list[models.QueryResponse]:
        async with self._guard("search", collection):
            return await self._client.query_batch_points(collection, requests=requests)

    async def _upsert(self, collection: str, points: list[vc.PointData]) -> None:
        if not points:
            return
        # BM25 over a batch of chunks is CPU work: keep it off the event loop.
        structs = await asyncio.to_thread(self._point_structs, points)
        async with self._guard("upsert into", collection):
            await self._client.upsert(collection, points=structs, wait=True)

    def _point_structs(self, points: list[vc.PointData]) -> list[models.PointStruct]:
        structs = []
        for point_id, vector, text, payload in points:
            sparse = self._bm25.embed_document(text)
            vectors: dict[str, models.Vector] = {
                vc.DENSE_VECTOR: list(vector),
                vc.SPARSE_VECTOR: models.SparseVector(indices=sparse.indices, values=sparse.values),
            }
            structs.append(models.PointStruct(id=point_id, vector=vectors, payload=payload))
        return structs

    async def _delete(self, collection: str, conditions: list[vc.Condition]) -> None:
        if vc.selects_nothing(conditions):
            return
        selector = models.FilterSelector(filter=_filter(conditions))
        async with self._guard("delete from", collection):
            await self._client.delete(collection, points_selector=selector, wait=True)

    async def _count(self, collection: str, conditions: list[vc.Condition]) -> int:
        if vc.selects_nothing(conditions):
            return 0
        async with self._guard("count", collection):
            result = await self._client.count(
                collection, count_filter=_filter(conditions), exact=True
            )
        return result.count

    @asynccontextmanager
    async def _guard(self, action: str, target: str) -> AsyncIterator[None]:
        try:
            yield
        except _CLIENT_ERRORS as exc:
            raise VectorStoreUnavailable(
                f"Qdrant at {self._where} failed to {action} {target}: {exc}"
            ) from exc

    def _ready_dimension(self) -> int:
        if self._dimension is None:
            raise VectorStoreUnavailable(
                f"the vector store at {self._where} is not ready (ensure_ready not called)"
            )
        return self._dimension


def _check_dimension(where: str, info: models.CollectionInfo, dimension: int) -> None:
    vectors = info.config.params.vectors
    params = vectors.get(vc.DENSE_VECTOR) if isinstance(vectors, dict) else None
    if params is None:
        raise VectorStoreMismatch(
            f"{where} has no {vc.DENSE_VECTOR!r} vector, so it was not created by this "
            f"service. {_REMEDY}"
        )
    if params.size != dimension:
        raise vc.mismatch(where, params.size, dimension, _REMEDY)


def _filter(conditions: Sequence[vc.Condition]) -> models.Filter:
    return models.Filter(must=[_condition(c) for c in conditions])


def _condition(condition: vc.Condition) -> models.FieldCondition:
    match condition:
        case vc.Equals(key, value):
            return models.FieldCondition(key=key, match=models.MatchValue(value=value))
        case vc.AnyOf(key):
            return models.FieldCondition(key=key, match=models.MatchAny(any=condition.as_list()))
        case vc.Range(key, gte, lt):
            return models.FieldCondition(key=key, range=models.Range(gte=gte, lt=lt))


def _scores(response: models.QueryResponse) -> list[tuple[str, float]]:
    return [(str(p.id), float(p.score)) for p in response.points]
