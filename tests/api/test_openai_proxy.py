"""The OpenAI-compatible endpoint through HTTP: what reaches the gateway, errors in OpenAI's
shape, and the gateway's resilience (retry, fallback) seen from the client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mcp_service.api.app import create_app
from mcp_service.bootstrap import build_container
from mcp_service.config import Settings
from tests.fake_gateway import FakeGateway

URL = "/v1/chat/completions"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"llm_fallback_models": ["fake-fallback"]})


def ask(content: str, **extra: Any) -> dict[str, Any]:
    return {"model": "fake-model", "messages": [{"role": "user", "content": content}], **extra}


async def test_body_fields_reach_the_gateway_and_history_comes_from_the_session(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    headers = {"X-Session-Id": "px1"}
    first = await client.post(URL, json=ask("I live in Lisbon."), headers=headers)
    assert first.status_code == 200, first.text
    body = {
        "model": "fake-model",
        "messages": [
            {"role": "system", "content": "Answer like a pirate."},
            {"role": "user", "content": "Invented earlier message, not history."},
            {"role": "assistant", "content": "Invented earlier answer."},
            {"role": "user", "content": [{"type": "text", "text": "Where do I live?"}]},
        ],
        "temperature": 0.2,
        "max_tokens": 50,
        "user": "dana",
        "metadata": {"session_id": "ignored-when-the-header-is-there"},
    }
    r = await client.post(URL, json=body, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["X-Session-Id"] == "px1"
    sent = gateway.requests[-1]
    assert sent["temperature"] == 0.2 and sent["max_tokens"] == 50 and sent["user"] == "dana"
    assert "metadata" not in sent and sent["model"] == "fake-model"
    contents = [m["content"] for m in sent["messages"]]
    assert contents[0].startswith("Answer like a pirate.")
    assert "I live in Lisbon." in contents
    assert not any("Invented" in c for c in contents)
    assert contents[-1] == "Where do I live?"
    data = r.json()
    assert data["object"] == "chat.completion" and data["mcp"]["user_seq"] == 3
    assert data["choices"][0]["finish_reason"] == "stop"
    assert data["usage"]["total_tokens"] > 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_errors_come_in_openai_shape(client: httpx.AsyncClient) -> None:
    cases = [
        (ask("hi"), {}, 400, "X-Session-Id"),
        ({"model": "m", "messages": []}, {"X-Session-Id": "px2"}, 400, "messages"),
        ({"model": "m"}, {"X-Session-Id": "px2"}, 400, "messages"),
        (ask("   "), {"X-Session-Id": "px2"}, 400, "message"),
        (ask("x" * 40_000), {"X-Session-Id": "px2"}, 413, "message"),
        (ask("hi"), {"X-Session-Id": "bad id!"}, 400, "X-Session-Id"),
        (ask("hi", metadata={"session_id": "px2\n"}), {}, 400, "metadata.session_id"),
        (
            {"messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
            {"X-Session-Id": "px2"},
            400,
            "messages[0].content[0]",
        ),
    ]
    for body, headers, status, param in cases:
        r = await client.post(URL, json=body, headers=headers)
        assert r.status_code == status, (body, r.text)
        error = r.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert error["param"] == param and error["type"] == "invalid_request_error"
    assert (await client.get("/v1/sessions/px2")).status_code == 404  # nothing written


async def test_gateway_retry_and_fallback_seen_through_the_api(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    headers = {"X-Session-Id": "px3"}
    gateway.queue("fail503_retry_after", "ok")
    retried = await client.post(URL, json=ask("one"), headers=headers)
    assert retried.status_code == 200 and gateway.models_seen == ["fake-model", "fake-model"]

    gateway.queue("fail500", "ok")
    fallen_back = await client.post(URL, json=ask("two"), headers=headers)
    assert fallen_back.status_code == 200
    assert fallen_back.json()["model"] == "fake-fallback"
    assert gateway.models_seen[-2:] == ["fake-model", "fake-fallback"]

    gateway.default_behaviour = "fail500"
    failed = await client.post(URL, json=ask("three", stream=True), headers=headers)
    assert failed.status_code == 502
    assert "fake-fallback" in failed.json()["error"]["message"]

    models = (await client.get("/v1/models")).json()
    assert [m["id"] for m in models["data"]] == ["fake-model", "fake-fallback"]


ODD_USAGE = [
    {"prompt_tokens": "zz", "completion_tokens": "zz", "total_tokens": "zz"},
    {"prompt_tokens": 2**63, "completion_tokens": 2**64, "total_tokens": 2**65},
]


@pytest.mark.parametrize("usage", ODD_USAGE, ids=["text", "huge"])
async def test_odd_usage_numbers_from_the_gateway_never_lose_the_reply(
    client: httpx.AsyncClient, gateway: FakeGateway, usage: dict[str, Any]
) -> None:
    gateway.usage_override = usage
    gateway.reply = "A perfectly good reply."
    plain = await client.post(URL, json=ask("one"), headers={"X-Session-Id": "pu1"})
    assert plain.status_code == 200, plain.text
    assert plain.json()["choices"][0]["message"]["content"] == "A perfectly good reply."
    streamed = await client.post(URL, json=ask("two", stream=True), headers={"X-Session-Id": "pu1"})
    assert streamed.status_code == 200 and streamed.text.endswith("data: [DONE]\n\n")
    session = await client.post("/v1/sessions/pu1/chat", json={"message": "three", "stream": True})
    assert '"object":"mcp.chat.result"' in session.text
    turns = (await client.get("/v1/sessions/pu1/turns")).json()["items"]
    replies = [t for t in turns if t["role"] == "assistant"]
    assert [t["content"] for t in replies] == ["A perfectly good reply."] * 3
    for reply in replies:
        assert 0 <= reply["usage"]["prompt_tokens"] <= 2**31 - 1
        assert 0 <= reply["usage"]["completion_tokens"] <= 2**31 - 1
    report = (await client.get("/v1/usage", params={"group_by": "session"})).json()
    (by_session,) = [g for g in report["items"] if g["session_id"] == "pu1"]
    assert by_session["calls"] == 3  # the usage events were written too


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_auth_failures_come_in_openai_shape_too(
    settings: Settings, real_embedder: object
) -> None:
    required = settings.model_copy(update={"auth": "required"})
    container = await build_container(required, embedder=real_embedder, run_migrations=False)  # type: ignore[arg-type]
    try:
        transport = httpx.ASGITransport(app=create_app(required, container))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            for path, method in ((URL, "POST"), ("/v1/models", "GET")):
                r = await http.request(method, path, json=ask("hi"), headers={"X-Session-Id": "a"})
                assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
                assert r.json()["error"]["code"] == "invalid_api_key"
            wrong = await http.post(URL, json=ask("hi"), headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401 and "error" in wrong.json()
    finally:
        await container.aclose()
