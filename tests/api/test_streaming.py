"""Streaming: relayed as it arrives, recorded when it ends — complete, or incomplete with
the reason when the client hangs up or the gateway drops midway."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from mcp_service.api.app import create_app
from mcp_service.bootstrap import build_container
from mcp_service.config import Settings
from tests.fake_gateway import FakeGateway
from tests.live_server import LiveServer

LONG_REPLY = " ".join(f"word{i}" for i in range(40))


def events(body: str) -> list[Any]:
    """The `data:` payloads of an SSE body, JSON-decoded ("[DONE]" kept as is)."""
    out: list[Any] = []
    for block in body.split("\n\n"):
        if block.startswith("data: "):
            data = block[6:]
            out.append(data if data == "[DONE]" else json.loads(data))
    return out


async def turns(client: httpx.AsyncClient, session: str) -> list[dict[str, Any]]:
    r = await client.get(f"/v1/sessions/{session}/turns")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_session_stream_relays_chunks_then_the_result(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    gateway.reply = "Streaming works fine."
    r = await client.post("/v1/sessions/st1/chat", json={"message": "Hi", "stream": True})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    got = events(r.text)
    assert got[-1] == "[DONE]"
    chunks = [e for e in got[:-2] if e["object"] == "chat.completion.chunk"]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "Streaming works fine."
    assert all(c["choices"] for c in chunks)  # the usage chunk was not asked for
    result = got[-2]
    assert result["object"] == "mcp.chat.result" and result["status"] == "complete"
    assert result["reply"] == {"role": "assistant", "content": "Streaming works fine.", "seq": 2}
    assert result["usage"]["estimated"] is False  # asked from the gateway all the same
    assert result["report"]["sections"]["message"]["tokens"] > 0
    recorded = await turns(client, "st1")
    assert [(t["role"], t["status"]) for t in recorded] == [
        ("user", "complete"),
        ("assistant", "complete"),
    ]
    assert recorded[1]["content"] == "Streaming works fine."


async def test_gateway_dropping_mid_stream_gives_an_error_event_and_an_incomplete_reply(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    gateway.reply = "one two three four five"
    gateway.queue("stream_drop", "stream_drop")
    r = await client.post("/v1/sessions/st2/chat", json={"message": "Hi", "stream": True})
    assert r.status_code == 200
    got = events(r.text)
    assert got[-1] == "[DONE]"
    assert got[-2]["error"]["code"] == "upstream_error"
    recorded = await turns(client, "st2")
    assert [t["role"] for t in recorded] == ["user", "assistant"]
    reply = recorded[1]
    assert reply["status"] == "incomplete" and reply["content"] == "one two "
    assert reply["metadata"]["incomplete_reason"] == "gateway_error"

    # The OpenAI-compatible endpoint: the same, in OpenAI's error shape.
    r = await client.post(
        "/v1/chat/completions",
        headers={"X-Session-Id": "st2"},
        json={"model": "m", "messages": [{"role": "user", "content": "Again"}], "stream": True},
    )
    got = events(r.text)
    assert got[0]["mcp"]["user_seq"] == 3  # our object rides on the first chunk
    assert got[-2]["error"]["type"] == "server_error" and got[-1] == "[DONE]"
    assert (await turns(client, "st2"))[-1]["status"] == "incomplete"


async def test_gateway_error_before_the_first_byte_is_a_plain_502(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    gateway.default_behaviour = "fail500"
    r = await client.post("/v1/sessions/st3/chat", json={"message": "Hi", "stream": True})
    assert r.status_code == 502
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.post(
        "/v1/chat/completions",
        headers={"X-Session-Id": "st3"},
        json={"model": "m", "messages": [{"role": "user", "content": "Hi"}], "stream": True},
    )
    assert r.status_code == 502 and r.json()["error"]["code"] == "upstream_error"
    recorded = await turns(client, "st3")
    # no reply written; the same unanswered message sent again is a retry, not a new turn
    assert [t["role"] for t in recorded] == ["user"]


async def test_client_hanging_up_mid_stream_leaves_the_partial_reply_incomplete(
    live: LiveServer, gateway: FakeGateway
) -> None:
    gateway.reply = LONG_REPLY
    gateway.chunk_delay_s = 0.1
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as http:
        body = {"model": "m", "messages": [{"role": "user", "content": "Talk"}], "stream": True}
        headers = {"X-Session-Id": "st4"}
        async with http.stream("POST", "/v1/chat/completions", json=body, headers=headers) as r:
            assert r.status_code == 200
            async for line in r.aiter_lines():
                if '"content"' in line:
                    break  # hang up after the first piece of text
        for _ in range(100):
            recorded = await turns(http, "st4")
            if len(recorded) == 2:
                break
            await asyncio.sleep(0.05)
    reply = recorded[1]
    assert reply["role"] == "assistant" and reply["status"] == "incomplete"
    assert reply["metadata"]["incomplete_reason"] == "client_disconnected"
    assert reply["content"] and LONG_REPLY.startswith(reply["content"])
    assert len(reply["content"]) < len(LONG_REPLY)
    assert reply["usage"]["estimated"] is True


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_offline_responder_streams_through_both_endpoints(
    settings: Settings, real_embedder: object
) -> None:
    offline = settings.model_copy(update={"llm_base_url": None})
    container = await build_container(offline, embedder=real_embedder, run_migrations=False)  # type: ignore[arg-type]
    try:
        app = create_app(offline, container)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            r = await http.post("/v1/sessions/off/chat", json={"message": "Hi", "stream": True})
            got = events(r.text)
            chunks = [
                e for e in got if isinstance(e, dict) and e.get("object") == "chat.completion.chunk"
            ]
            assert len(chunks) > 3  # in pieces, not one blob
            assert got[-2]["model"] == "mcp-offline-responder"
            assert "offline responder" in got[-2]["reply"]["content"]
            models = (await http.get("/v1/models")).json()["data"]
            assert [m["id"] for m in models] == ["mcp-offline-responder"]
    finally:
        await container.aclose()
