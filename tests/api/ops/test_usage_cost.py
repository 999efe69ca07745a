"""Usage per model and API key, with cost from the price table (MCP_MODEL_PRICES)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings
from tests.api.ops.helpers import bearer, make_key

PRICES = {"fake-model": {"input": 1.5, "output": 6.0}}


@pytest.fixture
async def priced(settings: Settings, real_embedder: object) -> AsyncIterator[Container]:
    changed = settings.model_copy(update={"model_prices": PRICES, "auth": "required"})
    built = await build_container(changed, embedder=real_embedder, run_migrations=False)  # type: ignore[arg-type]
    yield built
    await built.aclose()


async def test_usage_by_model_and_key_reports_cost(priced: Container) -> None:
    transport = httpx.ASGITransport(app=create_app(priced.settings, priced))
    one, two = await make_key(priced, "acme", "chat"), await make_key(priced, "acme", "chat")
    admin = bearer(await make_key(priced, "acme", "admin"))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        usages = []
        for key, model in ((one, "fake-model"), (one, "fake-model"), (two, "unpriced-model")):
            r = await c.post(
                "/v1/sessions/s/chat", json={"message": "hi", "model": model}, headers=bearer(key)
            )
            assert r.status_code == 200, r.text
            usages.append((key, model, r.json()["usage"]))
        by_model = (await c.get("/v1/usage?group_by=model", headers=admin)).json()["items"]
        rows = {x["model"]: x for x in by_model}
        priced_usage = [u for _, m, u in usages if m == "fake-model"]
        prompt = sum(u["prompt_tokens"] for u in priced_usage)
        completion = sum(u["completion_tokens"] for u in priced_usage)
        assert rows["fake-model"]["calls"] == 2
        assert rows["fake-model"]["cost"] == pytest.approx((prompt * 1.5 + completion * 6.0) / 1e6)
        assert rows["unpriced-model"]["cost"] == 0 and rows["unpriced-model"][
            "unpriced_models"
        ] == ["unpriced-model"]
        by_day = (await c.get("/v1/usage?group_by=day", headers=admin)).json()["items"]
        assert by_day[0]["cost"] == pytest.approx(rows["fake-model"]["cost"])
        assert by_day[0]["unpriced_models"] == ["unpriced-model"]
        keys = (await c.get("/v1/api-keys", headers=admin)).json()["items"]
        id_of = {k["prefix"]: k["id"] for k in keys}
        by_key = (await c.get("/v1/usage?group_by=key", headers=admin)).json()["items"]
        calls = {x["api_key_id"]: x["calls"] for x in by_key}
        one_id = next(i for p, i in id_of.items() if one.startswith(p))
        two_id = next(i for p, i in id_of.items() if two.startswith(p))
        assert calls == {one_id: 2, two_id: 1}
