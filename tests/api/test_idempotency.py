"""Idempotency-Key: a retry gets the first answer and writes nothing new."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from mcp_service.bootstrap import Container
from tests.api.test_streaming import events, turns
from tests.fake_gateway import FakeGateway


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


async def test_same_key_twice_gives_one_user_turn_and_one_reply(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    body = {"message": "Book me a room."}
    first = await client.post("/v1/sessions/i1/chat", json=body, headers=key("k-1"))
    again = await client.post("/v1/sessions/i1/chat", json=body, headers=key("k-1"))
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(gateway.requests) == 1
    assert [t["role"] for t in await turns(client, "i1")] == ["user", "assistant"]

    other = await client.post("/v1/sessions/i1/chat", json={"message": "No."}, headers=key("k-1"))
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    elsewhere = await client.post("/v1/sessions/i2/chat", json=body, headers=key("k-1"))
    assert elsewhere.status_code == 422  # the key names one request, on one URL


async def test_parallel_duplicates_run_once(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    gateway.slow_s = 0.5  # the first one is still running when the others arrive
    gateway.default_behaviour = "slow"
    body = {"message": "Only once, please."}
    answers = await asyncio.gather(
        *(client.post("/v1/sessions/i3/chat", json=body, headers=key("k-par")) for _ in range(4))
    )
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.text for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 3
    assert len(gateway.requests) == 1
    assert [t["role"] for t in await turns(client, "i3")] == ["user", "assistant"]


async def test_turn_writes_and_failures_are_idempotent(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    batch = {"turns": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}
    first = await client.post("/v1/sessions/i4/turns", json=batch, headers=key("k-t"))
    again = await client.post("/v1/sessions/i4/turns", json=batch, headers=key("k-t"))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() == {"seqs": [1, 2]}
    assert len(await turns(client, "i4")) == 2

    # A gateway failure is remembered: the user turn was written, a retry must not repeat it.
    gateway.queue("fail500")
    failed = await client.post("/v1/sessions/i4/chat", json={"message": "x"}, headers=key("k-f"))
    retried = await client.post("/v1/sessions/i4/chat", json={"message": "x"}, headers=key("k-f"))
    assert failed.status_code == retried.status_code == 502
    assert retried.json() == failed.json()
    assert [t["role"] for t in await turns(client, "i4")] == ["user", "assistant", "user"]

    # Rejected input wrote nothing, so the key is free again for a corrected retry.
    bad = await client.post("/v1/sessions/i5/chat", json={"message": " "}, headers=key("k-b"))
    assert bad.status_code == 422
    ok = await client.post("/v1/sessions/i5/chat", json={"message": " "}, headers=key("k-b"))
    assert ok.status_code == 422 and "Idempotent-Replayed" not in ok.headers


async def test_streams_replay_as_streams(client: httpx.AsyncClient, gateway: FakeGateway) -> None:
    gateway.reply = "Streamed once."
    body: dict[str, Any] = {
        "model": "fake-model",
        "messages": [{"role": "user", "content": "Hello"}],
        "stream": True,
    }
    headers = {**key("k-s"), "X-Session-Id": "i6"}
    first = await client.post("/v1/chat/completions", json=body, headers=headers)
    again = await client.post("/v1/chat/completions", json=body, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    for response in (first, again):
        got = events(response.text)
        text = "".join(
            (c["choices"][0]["delta"].get("content") or "") for c in got[:-1] if c["choices"]
        )
        assert text == "Streamed once." and got[-1] == "[DONE]"
    assert len(gateway.requests) == 1
    assert [t["role"] for t in await turns(client, "i6")] == ["user", "assistant"]

    # another message: the same one again would be a regenerate (see domain/reconcile.py)
    plain = {**body, "stream": False, "messages": [{"role": "user", "content": "Hello again"}]}
    first = await client.post("/v1/chat/completions", json=plain, headers=headers | key("k-o"))
    again = await client.post("/v1/chat/completions", json=plain, headers=headers | key("k-o"))
    assert again.json() == first.json()
    assert first.json()["choices"][0]["message"]["content"] == "Streamed once."
    assert len(await turns(client, "i6")) == 4


def test_the_stale_claim_takeover_is_configurable() -> None:
    from mcp_service.bootstrap import service_config
    from mcp_service.config import Settings

    settings = Settings(idempotency_stale_s=42, _env_file=None)  # type: ignore[call-arg]
    assert service_config(settings).idempotency_stale_s == 42
    assert service_config(Settings(_env_file=None)).idempotency_stale_s == 300  # type: ignore[call-arg]


async def test_a_key_left_claimed_by_a_crashed_request_is_taken_over(
    client: httpx.AsyncClient, container: Container
) -> None:
    from dataclasses import replace

    cfg = container.deps.config
    container.deps.config = replace(cfg, idempotency_stale_s=0.0, idempotency_wait_s=0.2)
    # The first request claimed the key and its process died before it answered.
    assert await container.idempotency.begin("default", "ks-1", "whatever") is None
    body = {"message": "after the crash"}
    r = await client.post("/v1/sessions/ks/chat", json=body, headers=key("ks-1"))
    assert r.status_code == 200, r.text
    assert "Idempotent-Replayed" not in r.headers
