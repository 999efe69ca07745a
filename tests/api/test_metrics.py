"""Operations: Prometheus series after a chat, request ids, structured JSON logs."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from mcp_service.api.logging import JsonFormatter
from tests.fake_gateway import FakeGateway


async def test_metrics_expose_the_named_series_after_a_chat(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    assert (await client.post("/v1/sessions/me1/chat", json={"message": "Hi"})).status_code == 200
    gateway.queue("fail500")
    assert (await client.post("/v1/sessions/me1/chat", json={"message": "Hi"})).status_code == 502
    r = await client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    for series in (
        'mcp_http_request_duration_seconds_count{method="POST",'
        'route="/v1/sessions/{session_id}/chat",status="200"} 1.0',
        'mcp_context_assembly_seconds_count{stage="gather"} 2.0',
        'mcp_context_assembly_seconds_count{stage="search"} 2.0',
        'mcp_context_assembly_seconds_count{stage="assemble"} 2.0',
        'mcp_context_section_tokens_count{section="system"} 2.0',
        'mcp_context_section_tokens_count{section="recent"} 2.0',
        'mcp_gateway_request_duration_seconds_count{call="complete",outcome="ok"} 1.0',
        'mcp_gateway_errors_total{call="complete",kind="error"} 1.0',
        'mcp_job_queue_depth{status="queued"}',
        "mcp_job_queue_lag_seconds ",
    ):
        assert series in text, series
    queued = next(
        line
        for line in text.splitlines()
        if line.startswith('mcp_job_queue_depth{status="queued"}')
    )
    assert float(queued.split()[-1]) >= 1  # the new turns wait to be embedded


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_request_ids_go_in_and_out_and_into_the_logs(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mcp_service.access")
    mine = await client.get("/livez", headers={"X-Request-Id": "req-42"})
    assert mine.headers["X-Request-Id"] == "req-42"
    made = await client.get("/livez", headers={"X-Request-Id": "bad id with spaces"})
    assert made.headers["X-Request-Id"] != "bad id with spaces"
    assert len(made.headers["X-Request-Id"]) == 32

    access = [r for r in caplog.records if r.name == "mcp_service.access"]
    assert len(access) == 2
    line = json.loads(JsonFormatter().format(access[0]))
    assert line["request_id"] == "req-42"
    assert line["route"] == "/livez" and line["status"] == 200 and line["method"] == "GET"
    assert "duration_ms" in line and line["level"] == "INFO"


def test_json_lines_carry_the_request_id_of_the_request_being_served() -> None:
    from mcp_service.api.logging import request_id

    token = request_id.set("abc")
    try:
        record = logging.LogRecord("x", logging.WARNING, __file__, 1, "hi %s", ("there",), None)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["message"] == "hi there" and line["request_id"] == "abc"
