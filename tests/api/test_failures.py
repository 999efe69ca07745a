"""Unexpected failures: whatever raises inside a route, the client gets a structured 500
(problem+json, or OpenAI's error shape on the OpenAI routes) carrying the request id."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container
from tests.fakes import FakeTokenCounter


class BrokenCounter(FakeTokenCounter):
    """A token counter with a bug: every count raises, as an unforeseen defect would."""

    def count(self, text: str) -> int:
        raise RuntimeError("tokenizer exploded")


@pytest.fixture
def app(container: Container) -> FastAPI:
    app = create_app(container.settings, container)

    async def boom() -> dict[str, str]:
        raise ZeroDivisionError("a bug in a route")

    app.add_api_route("/v1/boom", boom, methods=["GET"])
    return app


@pytest.fixture
async def raw_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    # raise_app_exceptions=False: see what a real HTTP client would receive.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_a_route_that_raises_answers_problem_json_with_the_request_id(
    raw_client: httpx.AsyncClient,
) -> None:
    r = await raw_client.get("/v1/boom", headers={"X-Request-Id": "req-boom-1"})
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["x-request-id"] == "req-boom-1"
    body = r.json()
    assert body["status"] == 500
    assert body["title"] == "Internal Server Error"
    assert body["request_id"] == "req-boom-1"
    assert "req-boom-1" in body["detail"]
    assert "a bug in a route" not in r.text  # internals stay in the server log


async def test_a_chat_that_hits_a_bug_answers_problem_json(
    raw_client: httpx.AsyncClient, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    container.deps.counter = BrokenCounter()
    r = await raw_client.post("/v1/sessions/demo/chat", json={"message": "hello"})
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    rid = r.headers["x-request-id"]
    assert r.json()["request_id"] == rid
    logged = [x for x in caplog.records if x.exc_info and "exploded" in str(x.exc_info[1])]
    assert len(logged) == 1  # the traceback is logged once, on the server


async def test_the_openai_route_answers_a_bug_in_openai_shape(
    raw_client: httpx.AsyncClient, container: Container
) -> None:
    container.deps.counter = BrokenCounter()
    body = {"model": "fake-model", "messages": [{"role": "user", "content": "hi"}]}
    r = await raw_client.post("/v1/chat/completions", json=body, headers={"X-Session-Id": "oa"})
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/json")
    error = r.json()["error"]
    assert error["type"] == "server_error"
    assert error["code"] == "internal_error"
    assert r.headers["x-request-id"] in error["message"]
