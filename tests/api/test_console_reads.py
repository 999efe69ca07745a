"""The read endpoints the console needs (and any client may use): searching and ordering
sessions, memory catch-up per page, newest-first history, one turn with its context
report, a collection's documents and a document's chunks, jobs and the queue, usage per
model, and who a key is. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from mcp_service.bootstrap import Container


async def make_sessions(client: httpx.AsyncClient) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    specs = [
        ("support-1", "ann", {"app": "support", "tier": 2}),
        ("support-2", "bob", {"app": "support", "tier": "2"}),
        ("sales-1", "ann", {"app": "sales", "vip": True}),
        ("Support-3", None, {}),
    ]
    for i, (sid, user, meta) in enumerate(specs):
        r = await client.post("/v1/sessions", json={"id": sid, "user_id": user, "metadata": meta})
        assert r.status_code == 201, r.text
        when = (base + timedelta(hours=i)).isoformat()
        turns = [{"role": "user", "content": f"hello from {sid}", "created_at": when}]
        r = await client.post(f"/v1/sessions/{sid}/turns", json={"turns": turns})
        assert r.status_code == 201, r.text


def ids(body: dict[str, object]) -> list[str]:
    return [s["id"] for s in body["items"]]  # type: ignore[attr-defined, index]


async def test_sessions_are_searched_by_id_user_and_metadata(client: httpx.AsyncClient) -> None:
    await make_sessions(client)
    by_id = (await client.get("/v1/sessions", params={"q": "SUPPORT"})).json()
    assert sorted(ids(by_id)) == ["Support-3", "support-1", "support-2"]  # any case
    assert ids((await client.get("/v1/sessions", params={"q": "%"})).json()) == []
    by_user = (await client.get("/v1/sessions", params={"user_id": "ann", "q": "sales"})).json()
    assert ids(by_user) == ["sales-1"]

    def meta(value: object) -> dict[str, str]:
        return {"metadata": json.dumps(value)}

    r = await client.get("/v1/sessions", params=meta({"app": "support"}))
    assert ids(r.json()) == ["support-1", "support-2"]
    r = await client.get("/v1/sessions", params=meta({"app": "support", "tier": 2}))
    assert ids(r.json()) == ["support-1"]  # the number 2, not the string "2"
    assert ids((await client.get("/v1/sessions", params=meta({"vip": True}))).json()) == ["sales-1"]

    for bad, field in (
        ("{not json", "metadata"),
        ('{"a": [1]}', "metadata.a"),
        ("[1]", "metadata"),
    ):
        r = await client.get("/v1/sessions", params={"metadata": bad})
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field


async def test_sessions_newest_activity_first_page_through_all_once(
    client: httpx.AsyncClient,
) -> None:
    await make_sessions(client)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"order": "recent", "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/sessions", params=params)).json()
        seen += ids(page)
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["Support-3", "sales-1", "support-2", "support-1"]  # last activity
    r = await client.get("/v1/sessions", params={"order": "recent", "cursor": "bm90LWEtZGF0ZQ"})
    assert r.status_code == 422 and r.json()["field"] == "cursor"


async def test_a_page_of_sessions_carries_memory_catch_up(
    client: httpx.AsyncClient, container: Container
) -> None:
    await make_sessions(client)
    await client.post("/v1/sessions/support-1/chat", json={"message": "And now?"})
    before = await client.get("/v1/sessions", params={"include": "memory", "q": "support-1"})
    assert before.json()["items"][0]["memory"]["turns"] == 3
    await container.worker.run_until_idle()
    page = (await client.get("/v1/sessions", params={"include": "memory"})).json()
    memory = {s["id"]: s["memory"] for s in page["items"]}
    assert memory["support-1"] == {
        "turns": 3,
        "turns_embedded": 3,
        "summary_through_seq": 0,
        "summary_version": None,
    }
    assert all(m["turns_embedded"] == m["turns"] for m in memory.values())
    assert (await client.get("/v1/sessions")).json()["items"][0]["memory"] is None


async def test_history_newest_first_and_one_reply_with_its_report(
    client: httpx.AsyncClient,
) -> None:
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"t{i}"} for i in range(7)]
    assert (await client.post("/v1/sessions/h/turns", json={"turns": turns})).status_code == 201
    chat = await client.post("/v1/sessions/h/chat", json={"message": "last one"})
    assert chat.status_code == 200, chat.text
    reply_seq = chat.json()["reply"]["seq"]

    pages: list[list[int]] = []
    cursor = None
    while True:
        params = {"order": "desc", "limit": 4, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/sessions/h/turns", params=params)).json()
        pages.append([t["seq"] for t in page["items"]])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == [[9, 8, 7, 6], [5, 4, 3, 2], [1]]

    one = (await client.get(f"/v1/sessions/h/turns/{reply_seq}")).json()
    assert one["role"] == "assistant" and one["content"] == "Noted."
    assert one["report"] == chat.json()["report"]  # the context it was built from
    user = (await client.get(f"/v1/sessions/h/turns/{reply_seq - 1}")).json()
    assert user["content"] == "last one" and user["report"] is None
    missing = await client.get("/v1/sessions/h/turns/99")
    assert missing.status_code == 404 and missing.json()["field"] == "seq"
    assert (await client.get("/v1/sessions/nope/turns/1")).status_code == 404
    for bad in ("0", "-1", str(2**31), str(2**70)):
        r = await client.get(f"/v1/sessions/h/turns/{bad}")
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path.seq", (bad, r.text)


async def test_newest_first_history_with_the_turns_a_regenerate_superseded(
    client: httpx.AsyncClient,
) -> None:
    headers = {"X-Session-Id": "regen"}
    body = {"model": "fake-model", "messages": [{"role": "user", "content": "Capital of France?"}]}
    for _ in range(2):  # the second time is a regenerate: the first reply is superseded
        r = await client.post("/v1/chat/completions", json=body, headers=headers)
        assert r.status_code == 200, r.text

    async def newest_first(**params: object) -> list[tuple[int, str, bool]]:
        query = {"order": "desc", **params}
        page = (await client.get("/v1/sessions/regen/turns", params=query)).json()
        return [(t["seq"], t["role"], t["superseded_at"] is not None) for t in page["items"]]

    assert await newest_first() == [(3, "assistant", False), (1, "user", False)]
    everything = await newest_first(include_superseded="true")
    assert everything == [(3, "assistant", False), (2, "assistant", True), (1, "user", False)]
    first_page = (
        await client.get(
            "/v1/sessions/regen/turns",
            params={"order": "desc", "limit": 1, "include_superseded": "true"},
        )
    ).json()
    older = await newest_first(include_superseded="true", cursor=first_page["next_cursor"])
    assert older == everything[1:]
    replaced = (await client.get("/v1/sessions/regen/turns/2")).json()
    assert replaced["superseded_at"] is not None and replaced["report"] is not None
    memory = (await client.get("/v1/sessions/regen")).json()["memory"]
    listed = (await client.get("/v1/sessions", params={"include": "memory", "q": "regen"})).json()
    assert memory["turns"] == listed["items"][0]["memory"]["turns"] == 2  # current turns only


async def test_documents_chunks_and_ingest_jobs(
    client: httpx.AsyncClient, container: Container
) -> None:
    docs = [{"external_id": f"doc-{i}", "text": f"Document {i} about topic {i}."} for i in range(3)]
    r = await client.post("/v1/collections/kb/documents", json={"documents": docs})
    assert r.status_code == 201, r.text
    listed: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/collections/kb/documents", params=params)).json()
        listed += [d["external_id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(listed) == ["doc-0", "doc-1", "doc-2"]
    doc_id = r.json()["documents"][0]["id"]
    chunks = (await client.get(f"/v1/collections/kb/documents/{doc_id}/chunks")).json()["items"]
    assert [c["text"] for c in chunks] == ["Document 0 about topic 0."]
    assert (await client.get("/v1/collections/nope/documents")).status_code == 404
    assert (await client.get("/v1/collections/kb/documents/nope/chunks")).status_code == 404

    queued = await client.post(
        "/v1/collections/kb/documents",
        params={"background": "true"},
        json={"documents": [{"external_id": "later", "text": "Queued for the worker."}]},
    )
    assert queued.status_code == 202, queued.text
    job_id = queued.json()["job_id"]
    jobs = (await client.get("/v1/jobs", params={"kind": "ingest"})).json()["items"]
    assert [j["id"] for j in jobs] == [job_id] and jobs[0]["status"] == "queued"
    assert jobs[0]["progress"]["documents_total"] == 1
    queue = (await client.get("/v1/jobs/queue")).json()
    assert queue["by_status"]["queued"] >= 1
    await container.worker.run_until_idle()
    done = (await client.get("/v1/jobs", params={"kind": "ingest"})).json()["items"][0]
    assert done["status"] == "done" and done["progress"]["documents_done"] == 1
    assert (await client.get("/v1/jobs/queue")).json()["by_status"].get("queued", 0) == 0


async def test_usage_per_model_and_the_top_users(client: httpx.AsyncClient) -> None:
    for sid, user, n in (("u1", "ann", 3), ("u2", "bob", 1)):
        await client.post("/v1/sessions", json={"id": sid, "user_id": user})
        for i in range(n):
            r = await client.post(f"/v1/sessions/{sid}/chat", json={"message": f"question {i}"})
            assert r.status_code == 200, r.text
    models = (await client.get("/v1/usage", params={"group_by": "model"})).json()["items"]
    assert [(m["model"], m["calls"]) for m in models] == [("fake-model", 4)]
    top = (await client.get("/v1/usage", params={"group_by": "user", "top": 1})).json()
    assert [(u["user_id"], u["calls"]) for u in top["items"]] == [("ann", 3)]
    assert top["next_cursor"] is None


async def test_whoami_with_auth_disabled_is_the_default_tenant(client: httpx.AsyncClient) -> None:
    me = (await client.get("/v1/whoami")).json()
    assert me == {
        "tenant_id": "default",
        "roles": ["admin", "chat", "ingest"],
        "key_id": None,
        "superadmin": True,
        "auth": "disabled",
    }
