"""Retention on SQLite and PostgreSQL: what a run deletes is gone from the database AND
from the vector store; legal holds, other tenants and other scopes are untouched; dry
runs predict the run and delete nothing; receipts add up."""

from __future__ import annotations

from typing import Any

from mcp_service.domain.errors import VectorStoreUnavailable
from mcp_service.services.conversation.memory import SUMMARIZE
from tests.integration.retention.seed import World

POLICY = {
    "turn_max_age_days": 30,
    "session_idle_days": 60,
    "document_max_age_days": 60,
    "enabled": True,
}


async def seed(world: World) -> dict[str, str]:
    """acme: an idle old session, a mixed one, a held one, a fresh one; old and new docs.
    other: the same ages, never touched by acme's policy."""
    w = world
    w.clock.days_ago(100)
    await w.session("acme", "old", 4, user="u1", metadata={"app": "support"})
    await w.summary("acme", "old", 1, 2)
    old_doc = await w.document("acme", "kb", "Old travel policy: economy class only.")
    await w.session("other", "o-old", 4)
    other_doc = await w.document("other", "kb", "Other tenant's ancient manual.")
    w.clock.days_ago(40)
    await w.session("acme", "mixed", 6, metadata={"app": "support"})
    await w.summary("acme", "mixed", 1, 3)
    await w.session("acme", "held", 4, legal_hold=True)
    await w.summary("acme", "held", 1, 2)
    w.clock.days_ago(1)
    await w.session("acme", "mixed", 4)
    await w.summary("acme", "mixed", 2, 8)
    await w.session("acme", "fresh", 2)
    new_doc = await w.document("acme", "kb", "New travel policy: premium economy allowed.")
    w.clock.days_ago(0)
    await w.embed_all()
    return {"old_doc": old_doc, "new_doc": new_doc, "other_doc": other_doc}


async def test_run_deletes_from_database_and_vectors_and_dry_run_predicts_it(
    world: World,
) -> None:
    docs = await seed(world)
    retention = world.retention()
    await retention.put("acme", "p", dict(POLICY))
    assert await world.vector_counts("acme", "other") == {"acme": (20, 4), "other": (4, 2)}

    before = await world.table_counts()
    predicted, cutoffs = await retention.dry_run("acme", "p")
    assert await world.table_counts() == before  # a dry run deletes nothing
    assert await world.vector_counts("acme") == {"acme": (20, 4)}
    assert predicted.to_dict() == {
        "turns": 10,  # the idle session's 4 + the mixed session's 6 old ones
        "sessions": 1,
        "documents": 1,
        "summaries": 3,  # the idle session's 1 + both versions that covered deleted turns
        "chunks": 2,
    }

    (receipt,) = await retention.run("acme")
    assert receipt.counts == predicted.to_dict()
    assert receipt.errors == [] and receipt.policy == "p"
    assert receipt.details["cutoffs"]["turns_before"] == cutoffs.turns_before.isoformat()  # type: ignore[union-attr]
    after = await world.table_counts()
    assert {k: before[k] - after[k] for k in before} == {
        "sessions": 1,
        "turns": 10,
        "summaries": 3,
        "documents": 1,
        "chunks": 2,
    }

    # The database, queried directly.
    assert await world.seqs("acme", "old") == []
    assert await world.seqs("acme", "mixed") == [7, 8, 9, 10]
    assert await world.seqs("acme", "held") == [1, 2, 3, 4]  # legal hold: untouched
    assert await world.seqs("acme", "fresh") == [1, 2]
    assert await world.seqs("other", "o-old") == [1, 2, 3, 4]
    summaries = await world.rows("SELECT tenant_id, session_id FROM summaries ORDER BY 2")
    assert summaries == [("acme", "held")]
    documents = await world.rows("SELECT id FROM documents ORDER BY id")
    assert sorted(r[0] for r in documents) == sorted([docs["new_doc"], docs["other_doc"]])
    # The vector store, queried directly.
    store = world.store
    assert await store.count_turns("acme", session_id="old") == 0
    assert await store.count_turns("acme", session_id="mixed") == 4
    assert await store.count_turns("acme", session_id="held") == 4
    assert await store.count_chunks("acme", document_id=docs["old_doc"]) == 0
    assert await store.count_chunks("acme", document_id=docs["new_doc"]) == 2
    assert await world.vector_counts("acme", "other") == {"acme": (10, 2), "other": (4, 2)}
    # The summary of what remains is rebuilt by a job.
    jobs = await world.rows(
        "SELECT payload FROM jobs WHERE kind = :k AND status = 'queued'", k=SUMMARIZE
    )
    assert any("mixed" in str(p) for (p,) in jobs)

    stored = await retention.receipts("acme", before=None, limit=10)
    assert [(r.id, r.counts) for r in stored] == [(receipt.id, receipt.counts)]
    (again,) = await retention.run("acme")
    assert set(again.counts.values()) == {0}
    assert len(await retention.receipts("acme", before=None, limit=10)) == 2


async def test_scope_and_max_turns_keep_the_newest_turns_of_matching_sessions(
    world: World,
) -> None:
    meta: dict[str, Any] = {"app": "x", "tier": 2, "vip": True}
    await world.session("acme", "match", 6, metadata=meta)
    await world.session("acme", "string-tier", 6, metadata={**meta, "tier": "2"})
    await world.session("acme", "no-vip", 6, metadata={**meta, "vip": False})
    await world.session("acme", "plain", 6)
    await world.embed_all()
    retention = world.retention()
    await retention.put(
        "acme", "cap", {"scope": {"metadata": meta}, "max_turns_per_session": 2, "enabled": True}
    )
    predicted, _ = await retention.dry_run("acme", "cap")
    (receipt,) = await retention.run("acme")
    assert receipt.counts["turns"] == predicted.turns == 4
    assert await world.seqs("acme", "match") == [5, 6]
    assert await world.store.count_turns("acme", session_id="match") == 2
    for untouched in ("string-tier", "no-vip", "plain"):
        assert await world.seqs("acme", untouched) == [1, 2, 3, 4, 5, 6], untouched
        assert await world.store.count_turns("acme", session_id=untouched) == 6


async def test_a_disabled_policy_runs_only_as_a_dry_run(world: World) -> None:
    await seed(world)
    retention = world.retention()
    await retention.put("acme", "p", {**POLICY, "enabled": False})
    predicted, _ = await retention.dry_run("acme", "p")
    assert predicted.turns == 10
    assert await retention.run("acme") == []
    assert await world.seqs("acme", "old") == [1, 2, 3, 4]


class DownForDeletes:
    """The vector store refuses deletions (it is down); everything else works."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def delete_turns(self, *args: Any, **kwargs: Any) -> None:
        raise VectorStoreUnavailable("vector store unreachable (test)")

    async def delete_chunks(self, *args: Any, **kwargs: Any) -> None:
        raise VectorStoreUnavailable("vector store unreachable (test)")


async def test_vector_store_down_deletes_no_rows_and_the_receipt_says_so(world: World) -> None:
    await seed(world)
    world.deps.vectors = DownForDeletes(world.store)  # type: ignore[assignment]
    retention = world.retention()
    await retention.put("acme", "p", dict(POLICY))
    before = await world.table_counts()
    (receipt,) = await retention.run("acme")
    assert await world.table_counts() == before  # vectors first: no row lost its vector
    assert len(receipt.errors) == 2 and all("unreachable" in e for e in receipt.errors)
    assert set(receipt.counts.values()) == {0}
    world.deps.vectors = world.store
    (retry,) = await retention.run("acme")
    assert retry.errors == [] and retry.counts["turns"] == 10
