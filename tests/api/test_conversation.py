"""A conversation end to end: what the gateway receives, what is recorded, what fails how."""

from __future__ import annotations

import httpx

from tests.fake_gateway import FakeGateway

HANDBOOK = (
    "Vacation policy. Employees of Borealis Tools accrue 2.5 vacation days per month. "
    "Unused days expire on March 31 of the following year. Requests go through the HR "
    "portal at least two weeks in advance."
)


async def ingest(client: httpx.AsyncClient) -> str:
    r = await client.post(
        "/v1/collections/handbook/documents",
        json={
            "documents": [
                {"external_id": "vacation", "title": "Vacation policy", "text": HANDBOOK},
                {
                    "external_id": "parking",
                    "title": "Parking",
                    "text": "Parking permits are issued by facilities. The garage opens at 6am.",
                },
            ]
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["documents"][0]["id"])


async def test_gateway_receives_recent_turns_and_a_retrieved_chunk(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    doc_id = await ingest(client)
    first = await client.post("/v1/sessions/s1/chat", json={"message": "Hi, I am Dana from QA."})
    assert first.status_code == 200, first.text
    second = await client.post(
        "/v1/sessions/s1/chat", json={"message": "How many vacation days do I accrue?"}
    )
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["reply"] == {"role": "assistant", "content": "Noted.", "seq": 4}

    sent = gateway.requests[-1]["messages"]
    assert sent[-1] == {"role": "user", "content": "How many vacation days do I accrue?"}
    assert {"role": "user", "content": "Hi, I am Dana from QA."} in sent
    assert {"role": "assistant", "content": "Noted."} in sent
    knowledge = next(m["content"] for m in sent if m["content"].startswith("<knowledge>"))
    assert "2.5 vacation days per month" in knowledge
    assert f'document="{doc_id}"' in knowledge
    report = body["report"]
    assert report["sections"]["knowledge"]["included"][0]["document_id"] == doc_id
    assert report["sections"]["recent"]["included"] == [1, 2]

    turns = (await client.get("/v1/sessions/s1/turns")).json()["items"]
    assert [(t["seq"], t["role"]) for t in turns] == [
        (1, "user"),
        (2, "assistant"),
        (3, "user"),
        (4, "assistant"),
    ]
    assert all(t["token_count"] > 0 for t in turns)
    assert turns[3]["usage"]["prompt_tokens"] > 0


async def test_context_endpoint_writes_nothing_and_matches_what_chat_sends(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    await client.post(
        "/v1/sessions/s2/turns",
        json={
            "turns": [
                {"role": "user", "content": "My favourite colour is teal."},
                {"role": "assistant", "content": "Teal it is."},
            ]
        },
    )
    ctx = await client.post("/v1/sessions/s2/context", json={"message": "What colour?"})
    assert ctx.status_code == 200
    messages = ctx.json()["messages"]
    assert messages[-1] == {"role": "user", "content": "What colour?"}
    assert len((await client.get("/v1/sessions/s2/turns")).json()["items"]) == 2
    report = ctx.json()["report"]
    assert report["total_tokens"] <= report["budget"]
    await client.post("/v1/sessions/s2/chat", json={"message": "What colour?"})
    assert gateway.requests[-1]["messages"][1:] == messages[1:]  # same apart from the clock


async def test_gateway_failure_gives_502_and_keeps_the_user_turn(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    gateway.default_behaviour = "fail500"
    r = await client.post("/v1/sessions/s3/chat", json={"message": "Are you there?"})
    assert r.status_code == 502
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "500" in r.json()["detail"]
    turns = (await client.get("/v1/sessions/s3/turns")).json()["items"]
    assert [(t["role"], t["content"]) for t in turns] == [("user", "Are you there?")]


async def test_gateway_timeout_gives_504(client: httpx.AsyncClient, gateway: FakeGateway) -> None:
    gateway.slow_s = 8.0
    gateway.default_behaviour = "slow"
    r = await client.post("/v1/sessions/s4/chat", json={"message": "Slow?"})
    assert r.status_code == 504
    turns = (await client.get("/v1/sessions/s4/turns")).json()["items"]
    assert [t["role"] for t in turns] == ["user"]


async def test_bad_input_is_rejected_and_writes_nothing(client: httpx.AsyncClient) -> None:
    empty = await client.post("/v1/sessions/s5/chat", json={"message": "   "})
    assert empty.status_code == 422 and empty.json()["field"] == "message"
    missing = await client.post("/v1/sessions/s5/chat", json={})
    assert missing.status_code == 422 and "message" in missing.json()["detail"]
    huge = await client.post("/v1/sessions/s5/chat", json={"message": "x" * 40_000})
    assert huge.status_code == 413
    unknown = await client.post("/v1/sessions/s5/chat", json={"message": "hi", "bogus": 1})
    assert unknown.status_code == 422 and "bogus" in unknown.json()["detail"]
    tiny = await client.post(
        "/v1/sessions/s5/chat", json={"message": "hello", "max_context_tokens": 5}
    )
    assert tiny.status_code == 413
    assert (await client.get("/v1/sessions/s5")).status_code == 404


async def test_sessions_crud_and_pagination(client: httpx.AsyncClient) -> None:
    for i in range(5):
        r = await client.post(
            "/v1/sessions", json={"id": f"p{i}", "user_id": "u1", "metadata": {"team": "qa"}}
        )
        assert r.status_code == 201
    assert (await client.post("/v1/sessions", json={"id": "p0"})).status_code == 409
    page = (await client.get("/v1/sessions", params={"limit": 2})).json()
    ids = [s["id"] for s in page["items"]]
    while page["next_cursor"]:
        page = (
            await client.get("/v1/sessions", params={"limit": 2, "cursor": page["next_cursor"]})
        ).json()
        ids += [s["id"] for s in page["items"]]
    assert ids == [f"p{i}" for i in range(5)]
    patched = await client.patch(
        "/v1/sessions/p1", json={"state": {"plan": "gold"}, "system_prompt": "Be terse."}
    )
    assert patched.json()["state"] == {"plan": "gold"}
    ctx = await client.post("/v1/sessions/p1/context", json={"message": "hi"})
    contents = [m["content"] for m in ctx.json()["messages"]]
    assert contents[0].startswith("Be terse.")
    assert any("- plan: gold" in c for c in contents)
    deleted = await client.delete("/v1/sessions/p1")
    assert deleted.status_code == 200 and deleted.json()["receipt"]["session_id"] == "p1"
    assert (await client.get("/v1/sessions/p1")).status_code == 404


async def test_search_and_document_delete(client: httpx.AsyncClient) -> None:
    doc_id = await ingest(client)
    r = await client.post(
        "/v1/collections/handbook/search",
        json={"query": "when does the garage open", "mode": "dense"},
    )
    results = r.json()["results"]
    assert "garage opens at 6am" in results[0]["text"]
    again = await client.post(
        "/v1/collections/handbook/documents",
        json={
            "documents": [{"external_id": "vacation", "title": "Vacation policy", "text": HANDBOOK}]
        },
    )
    assert again.json()["documents"][0]["status"] == "unchanged"
    gone = await client.delete(f"/v1/collections/handbook/documents/{doc_id}")
    assert gone.status_code == 200
    r = await client.post(
        "/v1/collections/handbook/search", json={"query": "vacation days", "top_k": 10}
    )
    assert all(h["document_id"] != doc_id for h in r.json()["results"])
    assert (await client.get(f"/v1/collections/handbook/documents/{doc_id}")).status_code == 404
    assert (
        await client.post("/v1/collections/nope/search", json={"query": "x"})
    ).status_code == 404


async def test_a_session_under_legal_hold_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "held", "legal_hold": True})
    await client.post("/v1/sessions/held/turns", json={"turns": [{"role": "user", "content": "x"}]})
    refused = await client.delete("/v1/sessions/held")
    assert refused.status_code == 409 and refused.json()["field"] == "legal_hold"
    assert len((await client.get("/v1/sessions/held/turns")).json()["items"]) == 1
    await client.patch("/v1/sessions/held", json={"legal_hold": False})
    assert (await client.delete("/v1/sessions/held")).status_code == 200


async def test_knowledge_must_earn_its_place_an_unrelated_message_retrieves_nothing(
    client: httpx.AsyncClient,
) -> None:
    await ingest(client)
    hello = await client.post("/v1/sessions/s2/context", json={"message": "Hi, I am Dana from QA."})
    assert hello.status_code == 200, hello.text
    knowledge = hello.json()["report"]["sections"]["knowledge"]
    assert knowledge["included"] == [] and knowledge["tokens"] == 0
    assert knowledge["status"].startswith("below relevance floor")
    assert not any(m["content"].startswith("<knowledge>") for m in hello.json()["messages"])

    asked = await client.post(
        "/v1/sessions/s2/context", json={"message": "How many vacation days do I get per month?"}
    )
    assert [k["document_id"] for k in asked.json()["report"]["sections"]["knowledge"]["included"]]
