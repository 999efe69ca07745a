"""Inputs at the edges of their types — odd cursors, huge numbers, dates at the ends of
the calendar, deep nesting, wrong methods — are 4xx naming the field (or are accepted and
handled), never a 500."""

from __future__ import annotations

import base64
import json

import httpx

LISTS = ["/v1/sessions", "/v1/sessions/s1/turns", "/v1/tenants", "/v1/api-keys"]


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


async def test_a_non_ascii_cursor_is_422_on_every_list(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions/s1/turns", json={"turns": [{"role": "user", "content": "x"}]})
    for path in LISTS:
        r = await client.get(path, params={"cursor": "ý"})
        assert r.status_code == 422, (path, r.text)
        assert r.json()["field"] == "cursor"
    huge = await client.get("/v1/sessions/s1/turns", params={"cursor": b64("9" * 40)})
    assert huge.status_code == 422 and huge.json()["field"] == "cursor"


async def test_key_expiry_numbers_and_dates_at_the_edges(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/sessions", json={})).status_code == 201  # the tenant exists
    for days in (1e12, 5.4e16):
        r = await client.post("/v1/api-keys", json={"roles": ["chat"], "expires_in_days": days})
        assert r.status_code == 422, r.text
        assert "expires_in_days" in r.text
    naive = await client.post(
        "/v1/api-keys", json={"roles": ["chat"], "expires_at": "2999-01-01T00:00:00"}
    )
    assert naive.status_code == 201, naive.text  # no offset: UTC, like everywhere else
    assert naive.json()["expires_at"].startswith("2999-01-01T00:00:00")
    far = await client.post(
        "/v1/api-keys", json={"roles": ["chat"], "expires_at": "9999-12-31T23:59:59-14:00"}
    )
    assert far.status_code == 422 and far.json()["field"] == "expires_at"


async def test_usage_ranges_at_the_ends_of_the_calendar(client: httpx.AsyncClient) -> None:
    for params in ({"to": "9999-12-31"}, {"from": "0001-01-01T00:00:00+14:00"}):
        r = await client.get("/v1/usage", params=params)
        assert r.status_code == 200, (params, r.text)
        assert r.json()["items"] == []


async def test_turn_dates_and_search_filters_out_of_range(client: httpx.AsyncClient) -> None:
    late = {"turns": [{"role": "user", "content": "x", "created_at": "9999-12-31T23:59:59-14:00"}]}
    r = await client.post("/v1/sessions/late/turns", json=late)
    assert r.status_code == 422 and r.json()["field"] == "turns[0].created_at"
    assert (await client.get("/v1/sessions/late")).status_code == 404  # nothing written
    await client.post("/v1/collections/c1/documents", json={"documents": [{"text": "hello"}]})
    big = await client.post(
        "/v1/collections/c1/search", json={"query": "x", "filter": {"a": 2**70}}
    )
    assert big.status_code == 422, big.text
    assert "filter" in big.text


async def test_a_deeply_nested_uploaded_json_file_fails_alone(client: httpx.AsyncClient) -> None:
    deep = ("[" * 3000 + "]" * 3000).encode()
    ok = json.dumps({"documents": [{"text": "fine"}]}).encode()
    files = [
        ("files", ("deep.json", deep, "application/json")),
        ("files", ("ok.json", ok, "application/json")),
    ]
    r = await client.post("/v1/collections/nest/documents", files=files)
    assert r.status_code == 201, r.text
    statuses = {d["source"]: d["status"] for d in r.json()["documents"]}
    assert statuses["deep.json"] == "failed"


async def test_a_wrong_method_says_which_are_allowed(client: httpx.AsyncClient) -> None:
    r = await client.put("/v1/sessions", json={})
    assert r.status_code == 405
    assert r.headers["content-type"].startswith("application/problem+json")
    assert {"GET", "POST"} <= set(r.headers["allow"].replace(" ", "").split(","))
