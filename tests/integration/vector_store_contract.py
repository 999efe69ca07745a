"""Behaviour every `VectorStore` must show; each store's test module subclasses this.

Vectors come from a tiny deterministic fake (8 dimensions, hash-based) so the tests are
fast and a test can say exactly which chunk a query vector is nearest to.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from datetime import UTC, datetime

import pytest

from mcp_service.domain.errors import InvalidInput, VectorStoreMismatch
from mcp_service.domain.model import Chunk, SearchMode, Turn
from mcp_service.domain.ports import VectorStore

DIM = 8
MODES: tuple[SearchMode, ...] = ("dense", "lexical", "hybrid")


def fake_vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    raw = [(byte - 127.5) / 127.5 for byte in digest[:DIM]]
    norm = math.sqrt(sum(x * x for x in raw))
    return [x / norm for x in raw]


def make_chunk(
    tenant: str, collection: str, document: str, position: int, text: str, **metadata: object
) -> Chunk:
    return Chunk(
        id=str(uuid.uuid4()),
        tenant_id=tenant,
        collection=collection,
        document_id=document,
        position=position,
        text=text,
        token_count=len(text.split()),
        metadata=dict(metadata),
    )


def make_turn(tenant: str, session: str, seq: int, content: str) -> Turn:
    return Turn(
        tenant_id=tenant,
        session_id=session,
        seq=seq,
        role="user" if seq % 2 else "assistant",
        content=content,
        name=None,
        token_count=len(content.split()),
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        metadata={},
    )


async def add_chunks(store: VectorStore, tenant: str, chunks: list[Chunk]) -> None:
    await store.upsert_chunks(tenant, chunks, [fake_vector(c.text) for c in chunks])


async def add_turns(store: VectorStore, tenant: str, turns: list[Turn], user: str | None) -> None:
    await store.upsert_turns(tenant, turns, [fake_vector(t.content) for t in turns], user)


class VectorStoreContract:
    """Subclasses provide a `store` fixture: a fresh store, ready for DIM dimensions."""

    @pytest.mark.parametrize("mode", MODES)
    async def test_search_returns_only_the_tenants_chunks_in_the_chosen_collections(
        self, store: VectorStore, mode: SearchMode
    ) -> None:
        text = "invoices are due within thirty days"
        mine = make_chunk("acme", "billing", "d1", 0, text)
        my_other_collection = make_chunk("acme", "handbook", "d2", 0, text)
        theirs = make_chunk("globex", "billing", "d3", 0, text)
        await add_chunks(store, "acme", [mine, my_other_collection])
        await add_chunks(store, "globex", [theirs])

        hits = await store.search_chunks(
            "acme", fake_vector(text), text, collections=["billing"], top_k=10, mode=mode
        )
        assert [h.chunk_id for h in hits] == [mine.id]
        assert hits[0].text == text and hits[0].document_id == "d1"

        everywhere = await store.search_chunks(
            "acme", fake_vector(text), text, collections=None, top_k=10, mode=mode
        )
        assert {h.chunk_id for h in everywhere} == {mine.id, my_other_collection.id}

    async def test_another_tenant_never_sees_the_chunks(self, store: VectorStore) -> None:
        text = "the launch code is kept in the vault"
        await add_chunks(store, "acme", [make_chunk("acme", "docs", "d1", 0, text)])

        for mode in MODES:
            hits = await store.search_chunks(
                "globex", fake_vector(text), text, collections=None, top_k=10, mode=mode
            )
            assert hits == []
        assert await store.count_chunks("globex") == 0
        assert await store.count_chunks("acme") == 1

    async def test_lexical_finds_an_exact_code_that_dense_ranks_lower(
        self, store: VectorStore
    ) -> None:
        code = make_chunk("acme", "docs", "d1", 0, "Error ZX-4471 means the card was declined")
        others = [
            make_chunk("acme", "docs", "d2", 0, "Payments can fail for many reasons"),
            make_chunk("acme", "docs", "d3", 0, "Refunds take five business days"),
            make_chunk("acme", "docs", "d4", 0, "Our support team answers within a day"),
        ]
        await add_chunks(store, "acme", [code, *others])
        # A semantic model that does not know the code: the query lands next to another chunk.
        query_vector = fake_vector(others[0].text)
        question = "what does ZX-4471 mean"

        dense = await store.search_chunks(
            "acme", query_vector, question, collections=None, top_k=4, mode="dense"
        )
        lexical = await store.search_chunks(
            "acme", query_vector, question, collections=None, top_k=4, mode="lexical"
        )
        hybrid = await store.search_chunks(
            "acme", query_vector, question, collections=None, top_k=4, mode="hybrid"
        )

        assert dense[0].chunk_id != code.id
        assert lexical[0].chunk_id == code.id and lexical[0].legs == ("lexical",)
        # With this few points the dense leg sees them all; only the code shares a word.
        legs = {h.chunk_id: h.legs for h in hybrid}
        assert legs[code.id] == ("dense", "lexical")
        assert legs[others[1].id] == ("dense",)
        assert hybrid[0].chunk_id in {code.id, others[0].id}

    async def test_metadata_filter_keeps_only_matching_chunks(self, store: VectorStore) -> None:
        text = "holiday policy"
        english = make_chunk("acme", "docs", "d1", 0, text, lang="en", year=2024)
        french = make_chunk("acme", "docs", "d2", 0, text, lang="fr", year=2024)
        await add_chunks(store, "acme", [english, french])

        hits = await store.search_chunks(
            "acme",
            fake_vector(text),
            text,
            collections=None,
            top_k=10,
            mode="hybrid",
            metadata_filter={"lang": "en", "year": 2024},
        )
        assert [h.chunk_id for h in hits] == [english.id]
        assert hits[0].metadata == {"lang": "en", "year": 2024}
        with pytest.raises(InvalidInput):
            await store.search_chunks(
                "acme", None, text, collections=None, top_k=5, metadata_filter={"score": 0.5}
            )

    async def test_delete_by_document_removes_its_points_only(self, store: VectorStore) -> None:
        doomed = [
            make_chunk("acme", "docs", "d1", i, f"part {i} of the old manual") for i in range(3)
        ]
        kept = make_chunk("acme", "docs", "d2", 0, "the new manual")
        await add_chunks(store, "acme", [*doomed, kept])
        assert await store.count_chunks("acme", document_id="d1") == 3

        await store.delete_chunks("globex", document_ids=["d1"])  # someone else's id: no effect
        assert await store.count_chunks("acme", document_id="d1") == 3

        await store.delete_chunks("acme", document_ids=["d1"])
        assert await store.count_chunks("acme", document_id="d1") == 0
        assert await store.count_chunks("acme") == 1
        hits = await store.search_chunks(
            "acme", None, "manual", collections=None, top_k=10, mode="lexical"
        )
        assert [h.chunk_id for h in hits] == [kept.id]

    async def test_reindexing_a_chunk_replaces_it(self, store: VectorStore) -> None:
        chunk = make_chunk("acme", "docs", "d1", 0, "first version")
        await add_chunks(store, "acme", [chunk])
        await add_chunks(store, "acme", [chunk])
        assert await store.count_chunks("acme") == 1

    async def test_a_mismatched_dimension_is_refused_with_a_clear_message(
        self, store: VectorStore
    ) -> None:
        with pytest.raises(VectorStoreMismatch) as caught:
            await store.ensure_ready(384)
        message = str(caught.value)
        assert "8-dimensional" in message and "384-dimensional" in message

    async def test_turn_search_before_seq_excludes_newer_turns(self, store: VectorStore) -> None:
        turns = [
            make_turn("acme", "s1", seq, f"we talked about topic {seq}") for seq in range(1, 9)
        ]
        await add_turns(store, "acme", turns, "u1")

        hits = await store.search_turns(
            "acme",
            fake_vector("topic"),
            "topic",
            session_id="s1",
            user_id=None,
            before_seq=5,
            top_k=20,
        )
        assert sorted(h.seq for h in hits) == [1, 2, 3, 4]
        assert {h.session_id for h in hits} == {"s1"}

    async def test_user_scope_finds_turns_across_sessions(self, store: VectorStore) -> None:
        await add_turns(store, "acme", [make_turn("acme", "s1", 1, "my dog is called Rex")], "u1")
        await add_turns(store, "acme", [make_turn("acme", "s2", 1, "Rex likes long walks")], "u1")
        await add_turns(store, "acme", [make_turn("acme", "s3", 1, "Rex is my cat")], "u2")
        await add_turns(store, "globex", [make_turn("globex", "s4", 1, "Rex again")], "u1")

        hits = await store.search_turns(
            "acme",
            fake_vector("Rex"),
            "Rex",
            session_id=None,
            user_id="u1",
            before_seq=None,
            top_k=10,
        )
        assert sorted((h.session_id, h.seq) for h in hits) == [("s1", 1), ("s2", 1)]

    async def test_deleting_turns_by_seq_and_by_session(self, store: VectorStore) -> None:
        turns = [make_turn("acme", "s1", seq, f"line {seq}") for seq in range(1, 5)]
        await add_turns(store, "acme", turns, None)
        await add_turns(store, "acme", turns[:2], None)  # re-indexing: no duplicates
        assert await store.count_turns("acme", session_id="s1") == 4

        await store.delete_turns("acme", session_id="s1", seqs=[1, 2])
        assert await store.count_turns("acme", session_id="s1") == 2
        await store.delete_turns("acme", session_id="s1")
        assert await store.count_turns("acme") == 0
