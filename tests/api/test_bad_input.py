"""Ordinary bad input is a 422 naming the field, on SQLite and PostgreSQL alike (where
NUL characters and over-long ids used to be 500s), checked in one place for every route:
path ids (pattern and length), NUL and lone surrogates in the path, query and JSON body.
In an upload, a file that cannot be stored fails alone."""

from __future__ import annotations

import json
from typing import Any

import httpx

from mcp_service.bootstrap import Container

TURN = {"turns": [{"role": "user", "content": "hi"}]}


def field_of(r: httpx.Response) -> str:
    body: dict[str, Any] = r.json()
    return str(body.get("field") or body["errors"][0]["field"])


async def test_path_ids_have_a_pattern_and_a_length(client: httpx.AsyncClient) -> None:
    for sid in ("s" * 300, "ab%00cd", "a%20b", "%C3%BD"):
        r = await client.post(f"/v1/sessions/{sid}/turns", json=TURN)
        assert r.status_code == 422, (sid, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field_of(r) == "session_id"
    long_name = await client.post(
        f"/v1/collections/{'c' * 300}/documents", json={"documents": [{"text": "x"}]}
    )
    assert long_name.status_code == 422 and field_of(long_name) == "name"
    user = await client.delete(f"/v1/users/{'u' * 300}")
    assert user.status_code == 422 and field_of(user) == "user_id"
    assert (await client.get("/v1/sessions")).json()["items"] == []  # nothing written


async def test_nul_and_lone_surrogates_are_422_naming_the_field(client: httpx.AsyncClient) -> None:
    cases = [
        (
            "/v1/sessions/nul1/turns",
            {"turns": [{"role": "user", "content": "a\u0000b"}]},
            "turns.0.content",
        ),
        ("/v1/sessions", {"id": "nul4", "user_id": "u\u0000"}, "user_id"),
        ("/v1/api-keys", {"roles": ["chat"], "name": "a\u0000"}, "name"),
        (
            "/v1/sessions/nul5/turns",
            {"turns": [{"role": "user", "content": "x", "metadata": {"k\u0000": 1}}]},
            "turns.0.metadata",
        ),
        (
            "/v1/collections/c1/documents",
            {"documents": [{"external_id": "e\u0000", "text": "x"}]},
            "documents.0.external_id",
        ),
    ]
    for path, body, field in cases:
        r = await client.post(path, json=body)
        assert r.status_code == 422, (path, r.text)
        assert field_of(r).startswith(field), (path, r.json())
    raw = b'{"message": "lone \\ud800 surrogate"}'
    headers = {"content-type": "application/json"}
    r = await client.post("/v1/sessions/sur/chat", content=raw, headers=headers)
    assert r.status_code == 422 and field_of(r) == "message"
    pair = b'{"message": "an emoji \\ud83d\\ude00 is fine"}'
    assert (
        await client.post("/v1/sessions/sur/context", content=pair, headers=headers)
    ).status_code == 200
    query = await client.get("/v1/sessions", params={"user_id": "a\u0000"})
    assert query.status_code == 422 and field_of(query) == "user_id"
    listed = (await client.get("/v1/sessions")).json()["items"]
    assert listed == []  # nothing was written by any of them


async def test_the_openai_route_answers_bad_input_in_its_own_shape(
    client: httpx.AsyncClient,
) -> None:
    body = {"model": "fake-model", "messages": [{"role": "user", "content": "a\u0000b"}]}
    r = await client.post("/v1/chat/completions", json=body, headers={"X-Session-Id": "oa-nul"})
    assert r.status_code == 400  # what OpenAI answers to an invalid request
    assert r.json()["error"]["param"] == "messages.0.content"


async def test_an_upload_whose_name_is_too_long_fails_alone(client: httpx.AsyncClient) -> None:
    files = [
        ("files", ("n" * 600 + ".txt", b"too long a name", "text/plain")),
        ("files", ("good.txt", b"a fine document", "text/plain")),
        ("files", ("nul.txt", b"a NUL\x00 inside", "text/plain")),
    ]
    r = await client.post("/v1/collections/up/documents", files=files)
    assert r.status_code == 201, r.text
    by_source = {d["source"]: d for d in r.json()["documents"]}
    assert by_source["n" * 600 + ".txt"]["status"] == "failed"
    assert "500" in by_source["n" * 600 + ".txt"]["error"]
    assert by_source["good.txt"]["status"] == "created"
    assert by_source["nul.txt"]["status"] == "created"  # stored without the NUL
    search = await client.post(
        "/v1/collections/up/search", json={"query": "NUL inside", "mode": "lexical"}
    )
    assert any("NUL inside" in hit["text"] for hit in search.json()["results"])


async def test_one_bad_entry_fails_alone_in_a_background_ingest(
    client: httpx.AsyncClient, container: Container
) -> None:
    lines = [
        {"external_id": "g1", "text": "good document one"},
        {"external_id": "e" * 600, "text": "an entry whose id is too long"},
        {"external_id": "g2", "text": "good document two"},
    ]
    data = "\n".join(json.dumps(x) for x in lines).encode()
    r = await client.post(
        "/v1/collections/mixed/documents?background=true",
        files=[("files", ("mixed.jsonl", data, "application/jsonl"))],
    )
    assert r.status_code == 202, r.text
    statuses = [d["status"] for d in r.json()["documents"]]
    assert statuses.count("failed") == 1  # the long id, told at once
    await container.worker.run_until_idle()
    job = (await client.get(r.json()["job"])).json()
    assert job["status"] == "done", job
    assert job["attempts"] == 1 and job["last_error"] is None
    assert job["progress"]["created"] == 2
    listed = await client.get("/v1/collections/mixed")
    assert listed.json()["document_count"] == 2
