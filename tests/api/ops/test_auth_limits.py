"""Limits: per-key rate limit (429 + Retry-After) and request body size (413)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings
from tests.api.ops.helpers import bearer, make_key


@pytest.fixture
async def limited(settings: Settings, real_embedder: object) -> AsyncIterator[Container]:
    tight = settings.model_copy(
        update={"auth": "required", "rate_limit_per_minute": 3, "max_body_bytes": 2048}
    )
    built = await build_container(tight, embedder=real_embedder, run_migrations=False)  # type: ignore[arg-type]
    yield built
    await built.aclose()


@pytest.fixture
async def client(limited: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(limited.settings, limited))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_rate_limit_is_per_key_with_retry_after(
    client: httpx.AsyncClient, limited: Container
) -> None:
    first, second = (
        bearer(await make_key(limited, "acme", "chat")),
        bearer(await make_key(limited, "acme", "chat")),
    )
    statuses = [(await client.get("/v1/sessions", headers=first)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited_response = await client.get("/v1/sessions", headers=first)
    assert limited_response.status_code == 429
    assert limited_response.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(limited_response.headers["retry-after"]) <= 60
    ok = await client.get("/v1/sessions", headers=second)  # another key has its own budget
    assert ok.status_code == 200 and ok.headers["x-ratelimit-remaining"] == "2"
    assert (await client.get("/livez")).status_code == 200  # health is never limited
    compat = await client.post(
        "/v1/chat/completions", json={"messages": []}, headers=first
    )  # the OpenAI endpoint answers in OpenAI's error shape
    assert compat.status_code == 429 and compat.json()["error"]["code"] == "rate_limit_exceeded"


async def test_oversized_bodies_are_413_before_parsing(
    client: httpx.AsyncClient, limited: Container
) -> None:
    key = bearer(await make_key(limited, "acme", "chat"))
    big = {"turns": [{"role": "user", "content": "x" * 4000}]}
    r = await client.post("/v1/sessions/s/turns", json=big, headers=key)
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == "body" and "2048" in r.json()["detail"]

    async def chunked() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b'{"pad": "' + b"y" * 300 + b'"}'

    streamed = await client.post(
        "/v1/sessions/s/turns",
        content=chunked(),
        headers={**key, "content-type": "application/json"},
    )
    assert streamed.status_code == 413
    small = {"turns": [{"role": "user", "content": "fits"}]}
    assert (await client.post("/v1/sessions/s/turns", json=small, headers=key)).status_code == 201
    reader = bearer(await make_key(limited, "acme", "chat"))  # `key` spent its 3 a minute
    sessions = (await client.get("/v1/sessions", headers=reader)).json()["items"]
    assert [s["turn_count"] for s in sessions] == [1]  # nothing from the rejected bodies


async def test_turns_per_import_batch_are_limited(
    settings: Settings, real_embedder: object
) -> None:
    capped = settings.model_copy(update={"max_turns_per_import": 2})
    built = await build_container(capped, embedder=real_embedder, run_migrations=False)  # type: ignore[arg-type]
    try:
        transport = httpx.ASGITransport(app=create_app(built.settings, built))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            turns = [{"role": "user", "content": f"t{i}"} for i in range(3)]
            r = await c.post("/v1/sessions/s/turns", json={"turns": turns})
            assert r.status_code in (413, 422) and r.json()["field"] == "turns"
    finally:
        await built.aclose()


async def test_made_up_keys_are_throttled_and_cannot_reset_a_real_keys_window(
    client: httpx.AsyncClient, limited: Container
) -> None:
    """AUDIT LOW-4: the limit was keyed on the presented, unverified key, so every made-up
    key had a fresh budget (401 forever, a key lookup each) and enough of them evicted
    real clients' windows. Now failures are counted per address and the limit per
    verified key."""
    real = bearer(await make_key(limited, "acme", "chat"))
    assert [(await client.get("/v1/sessions", headers=real)).status_code for _ in range(3)] == [
        200,
        200,
        200,
    ]
    bogus = [
        (await client.get("/v1/sessions", headers=bearer(f"mcp_fake{i}"))).status_code
        for i in range(8)
    ]
    assert bogus == [401, 401, 401, 429, 429, 429, 429, 429]
    # The real key verified a moment ago is not locked out by the address's failures,
    # and its own window was not reset by the flood: still spent.
    spent = await client.get("/v1/sessions", headers=real)
    assert spent.status_code == 429 and "3 requests per minute" in spent.json()["detail"]
    # A key this replica has not verified lately waits out the address's throttle.
    fresh = await client.get(
        "/v1/sessions", headers=bearer(await make_key(limited, "acme", "chat"))
    )
    assert fresh.status_code == 429 and "failed authentications" in fresh.json()["detail"]
