"""OpenAICompatibleGateway against a fake OpenAI-compatible server on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import aclosing
from typing import Any

import pytest

from mcp_service.adapters.llm_gateway import OpenAICompatibleGateway
from mcp_service.domain.errors import GatewayError, GatewayTimeout
from mcp_service.domain.model import JSON, Message
from tests.fake_gateway import FakeGateway

REPLY = "The capital of France is Paris."
MESSAGES = [Message("system", "Be brief."), Message("user", "Capital of France?")]


@pytest.fixture
def gw() -> Iterator[FakeGateway]:
    with FakeGateway(reply=REPLY) as fake:
        yield fake


def _gateway(base_url: str, **overrides: Any) -> OpenAICompatibleGateway:
    options: dict[str, Any] = {
        "connect_timeout_s": 2.0,
        "read_timeout_s": 10.0,
        "deadline_s": 10.0,
        "retry_backoff_s": 0.01,
    }
    options.update(overrides)
    return OpenAICompatibleGateway(base_url, "sk-test", "fake-model", **options)


def _content(chunks: list[JSON]) -> str:
    return "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])


async def test_completion_returns_content_usage_and_reported_model(gw: FakeGateway) -> None:
    gw.reported_model = "fake-model-2025-01-01"
    async with aclosing(_gateway(gw.base_url)) as gateway:
        completion = await gateway.complete(MESSAGES, model=None)

    assert completion.content == REPLY
    assert completion.model == "fake-model-2025-01-01"
    assert completion.usage.prompt_tokens == 5  # the fake counts words
    assert completion.usage.completion_tokens == 6
    assert completion.finish_reason == "stop"
    assert completion.latency_ms > 0


async def test_sends_the_exact_messages_params_and_bearer_key(gw: FakeGateway) -> None:
    params = {"temperature": 0.2, "max_tokens": 50, "x_vendor_flag": {"a": 1}}
    async with aclosing(_gateway(gw.base_url)) as gateway:
        await gateway.complete(MESSAGES, model="other-model", params=params)

    assert gw.requests == [
        {
            "model": "other-model",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Capital of France?"},
            ],
            "temperature": 0.2,
            "max_tokens": 50,
            "x_vendor_flag": {"a": 1},
        }
    ]
    assert gw.headers[0]["Authorization"] == "Bearer sk-test"


async def test_missing_usage_is_zero(gw: FakeGateway) -> None:
    gw.send_usage = False
    async with aclosing(_gateway(gw.base_url)) as gateway:
        completion = await gateway.complete(MESSAGES, model=None)

    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (0, 0)


async def test_retries_once_after_503_with_retry_after(gw: FakeGateway) -> None:
    gw.queue("fail503_retry_after", "ok")
    async with aclosing(_gateway(gw.base_url)) as gateway:
        completion = await gateway.complete(MESSAGES, model=None)

    assert completion.content == REPLY
    assert gw.models_seen == ["fake-model", "fake-model"]


async def test_retries_only_once(gw: FakeGateway) -> None:
    gw.queue("fail429", "fail503", "ok")
    async with aclosing(_gateway(gw.base_url)) as gateway:
        with pytest.raises(GatewayError, match="HTTP 503"):
            await gateway.complete(MESSAGES, model=None)

    assert len(gw.requests) == 2


async def test_retry_after_beyond_the_deadline_is_not_waited_for(gw: FakeGateway) -> None:
    gw.retry_after = "30"
    gw.queue("fail503_retry_after", "ok")
    async with aclosing(_gateway(gw.base_url, deadline_s=2.0)) as gateway:
        with pytest.raises(GatewayError, match="HTTP 503"):
            await gateway.complete(MESSAGES, model=None)

    assert len(gw.requests) == 1


async def test_500_is_a_gateway_error_naming_status_and_upstream_message(
    gw: FakeGateway,
) -> None:
    gw.queue("fail500")
    async with aclosing(_gateway(gw.base_url)) as gateway:
        with pytest.raises(GatewayError) as caught:
            await gateway.complete(MESSAGES, model=None)

    assert not isinstance(caught.value, GatewayTimeout)
    assert "HTTP 500" in caught.value.message
    assert "fake upstream failure" in caught.value.message
    assert len(gw.requests) == 1  # a 500 is not retried


async def test_openai_error_body_is_quoted(gw: FakeGateway) -> None:
    gw.queue("error_json")
    async with aclosing(_gateway(gw.base_url)) as gateway:
        with pytest.raises(GatewayError, match=r"HTTP 400.*max_tokens is too big"):
            await gateway.complete(MESSAGES, model=None)


async def test_unreadable_json_is_a_gateway_error(gw: FakeGateway) -> None:
    gw.queue("bad_json")
    async with aclosing(_gateway(gw.base_url)) as gateway:
        with pytest.raises(GatewayError, match="unreadable"):
            await gateway.complete(MESSAGES, model=None)


async def test_connection_refused_is_a_gateway_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with aclosing(_gateway(f"http://127.0.0.1:{port}/v1")) as gateway:
        with pytest.raises(GatewayError, match="connect") as caught:
            await gateway.complete(MESSAGES, model=None)

    assert not isinstance(caught.value, GatewayTimeout)


async def test_slow_beyond_the_deadline_is_a_timeout(gw: FakeGateway) -> None:
    gw.slow_s = 5.0
    gw.queue("slow")
    async with aclosing(_gateway(gw.base_url, deadline_s=0.3)) as gateway:
        with pytest.raises(GatewayTimeout):
            await gateway.complete(MESSAGES, model=None)


async def test_read_timeout_is_a_timeout(gw: FakeGateway) -> None:
    gw.slow_s = 5.0
    gw.queue("slow")
    async with aclosing(_gateway(gw.base_url, read_timeout_s=0.2)) as gateway:
        with pytest.raises(GatewayTimeout):
            await gateway.complete(MESSAGES, model=None)


async def test_fallback_model_answers_when_the_primary_fails(gw: FakeGateway) -> None:
    gw.queue("fail500", "ok")
    async with aclosing(_gateway(gw.base_url, fallback_models=["fake-fallback"])) as gateway:
        completion = await gateway.complete(MESSAGES, model=None)

    assert gw.models_seen == ["fake-model", "fake-fallback"]
    assert completion.model == "fake-fallback"


async def test_every_model_failing_names_each_failure(gw: FakeGateway) -> None:
    gw.queue("fail500", "error_json")
    async with aclosing(_gateway(gw.base_url, fallback_models=["fake-fallback"])) as gateway:
        with pytest.raises(GatewayError) as caught:
            await gateway.complete(MESSAGES, model=None)

    assert "HTTP 500" in caught.value.message
    assert "HTTP 400" in caught.value.message


async def test_stream_yields_chunks_in_order(gw: FakeGateway) -> None:
    params = {"temperature": 0, "stream_options": {"include_usage": True}}
    async with aclosing(_gateway(gw.base_url)) as gateway:
        chunks = [c async for c in gateway.stream(MESSAGES, model=None, params=params)]

    assert _content(chunks) == REPLY
    assert [c["choices"][0]["delta"]["content"] for c in chunks[:2]] == ["The ", "capital "]
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["completion_tokens"] == 6
    sent = gw.requests[0]
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
    assert sent["temperature"] == 0


async def test_stream_falls_back_before_the_first_chunk(gw: FakeGateway) -> None:
    gw.queue("fail503", "fail500", "ok")
    async with aclosing(_gateway(gw.base_url, fallback_models=["fake-fallback"])) as gateway:
        chunks = [c async for c in gateway.stream(MESSAGES, model=None)]

    assert _content(chunks) == REPLY
    assert gw.models_seen == ["fake-model", "fake-model", "fake-fallback"]


async def test_stream_error_before_the_first_chunk_raises(gw: FakeGateway) -> None:
    gw.queue("fail500")
    async with aclosing(_gateway(gw.base_url)) as gateway:
        with pytest.raises(GatewayError, match="HTTP 500"):
            async for _ in gateway.stream(MESSAGES, model=None):
                pass


async def test_slow_stream_beyond_the_deadline_is_a_timeout(gw: FakeGateway) -> None:
    gw.slow_s = 5.0
    gw.queue("slow")
    async with aclosing(_gateway(gw.base_url, deadline_s=0.3)) as gateway:
        with pytest.raises(GatewayTimeout):
            async for _ in gateway.stream(MESSAGES, model=None):
                pass


async def test_stream_drop_raises_after_yielding_the_first_chunks(gw: FakeGateway) -> None:
    gw.queue("stream_drop")
    received: list[JSON] = []
    async with aclosing(_gateway(gw.base_url, fallback_models=["fake-fallback"])) as gateway:
        with pytest.raises(GatewayError):
            async for chunk in gateway.stream(MESSAGES, model=None):
                received.append(chunk)

    assert _content(received) == "The capital "
    assert gw.models_seen == ["fake-model"]  # no retry once text has been delivered


async def test_pooled_client_serves_several_calls(gw: FakeGateway) -> None:
    async with aclosing(_gateway(gw.base_url)) as gateway:
        for _ in range(3):
            assert (await gateway.complete(MESSAGES, model=None)).content == REPLY
            assert _content([c async for c in gateway.stream(MESSAGES, model=None)]) == REPLY

    assert len(gw.requests) == 6
