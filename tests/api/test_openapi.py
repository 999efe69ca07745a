"""The OpenAPI document says what the API does: every operation documents its error
answers in the media type it really uses, and the schemas carry the limits the server
enforces (non-empty text, a policy needs a rule)."""

from __future__ import annotations

from typing import Any

import httpx

from mcp_service.api.hardening.unhandled import OPENAI_PREFIXES

PROBLEM = "application/problem+json"


async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


async def test_every_operation_documents_its_errors_as_they_are_sent(
    client: httpx.AsyncClient,
) -> None:
    doc = await spec(client)
    operations = [
        (path, method, op)
        for path, ops in doc["paths"].items()
        if path.startswith("/v1")
        for method, op in ops.items()
    ]
    assert len(operations) > 30
    for path, method, op in operations:
        responses = op["responses"]
        openai = path.startswith(OPENAI_PREFIXES)  # the proxy and the APIs it mirrors
        media = "application/json" if openai else PROBLEM
        for code in ("400", "401", "403", "404", "422", "429", "500"):
            assert code in responses, (method, path, code)
            assert list(responses[code]["content"]) == [media], (method, path, code)
        if method in ("post", "put", "patch"):
            assert "413" in responses and "415" in responses, (method, path)


async def test_schemas_carry_the_limits_the_server_enforces(client: httpx.AsyncClient) -> None:
    schemas = (await spec(client))["components"]["schemas"]
    assert schemas["ContextIn"]["properties"]["message"]["minLength"] == 1
    assert schemas["ChatIn"]["properties"]["message"]["minLength"] == 1
    assert schemas["SearchRequest"]["properties"]["query"]["minLength"] == 1
    assert schemas["TurnIn"]["properties"]["content"]["minLength"] == 1
    ingest = (await spec(client))["paths"]["/v1/collections/{name}/documents"]["post"]
    body = ingest["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["documents"]["items"]["properties"]["text"]["minLength"] == 1
    policy = schemas["RetentionPolicyIn"]
    required = [alt["required"] for alt in policy["anyOf"]]
    assert sorted(r[0] for r in required) == sorted(
        ["turn_max_age_days", "session_idle_days", "max_turns_per_session", "document_max_age_days"]
    )
    assert schemas["Problem"]["properties"]["status"]["type"] == "integer"
