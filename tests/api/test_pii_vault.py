"""The placeholder vault belongs to its session: it goes with DELETE of the session, the
user's erasure and retention (values only deleted turns mentioned), and never serves
another tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings
from tests.fake_gateway import FakeGateway

EMAIL = "erin.vault@example.com"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"pii_redaction": "mask"})


@pytest.fixture
def gateway(gateway: FakeGateway) -> FakeGateway:
    def echo(body: dict[str, Any]) -> str:
        return "You said: " + str(body["messages"][-1]["content"])

    gateway.reply = echo
    return gateway


async def vault(container: Container, session_id: str, tenant_id: str = "default") -> list[str]:
    async with container.deps.uow() as uow:
        return [e.value for e in await uow.pii_vault.load(tenant_id, session_id)]


async def test_the_vault_goes_with_the_session_the_user_and_retention(
    client: httpx.AsyncClient, container: Container
) -> None:
    await client.post("/v1/sessions", json={"id": "v1", "user_id": "erin"})
    await client.post("/v1/sessions", json={"id": "v2", "user_id": "erin"})
    for sid in ("v1", "v2", "v3"):
        r = await client.post(f"/v1/sessions/{sid}/chat", json={"message": f"I am {EMAIL}"})
        assert r.status_code == 200, r.text
        assert await vault(container, sid) == [EMAIL]
    assert await vault(container, "v1", tenant_id="other") == []  # tenant-scoped

    assert (await client.delete("/v1/sessions/v3")).status_code == 200
    assert await vault(container, "v3") == []
    assert (await client.delete("/v1/users/erin")).status_code == 200
    assert await vault(container, "v1") == [] and await vault(container, "v2") == []

    old = {"role": "user", "content": f"old: {EMAIL}", "created_at": "2001-01-01T00:00:00Z"}
    await client.post("/v1/sessions/v4/turns", json={"turns": [old]})
    assert (await client.post("/v1/sessions/v4/chat", json={"message": "hello"})).status_code == 200
    assert await vault(container, "v4") == [EMAIL]  # the old turn was in the prompt
    policy = {"turn_max_age_days": 30, "enabled": True}
    await client.put("/v1/retention-policies/old", json=policy)
    assert (await client.post("/v1/retention/run")).status_code == 200
    assert await vault(container, "v4") == []  # no remaining turn mentions it


@pytest.fixture
async def masked_store(
    settings: Settings, real_embedder: object
) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    stored = settings.model_copy(update={"pii_store": "mask"})
    built = await build_container(stored, embedder=real_embedder, run_migrations=False)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=create_app(built.settings, built))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c, built
    await built.aclose()


async def test_pii_store_mask_keeps_values_out_of_the_history(
    masked_store: tuple[httpx.AsyncClient, Container], gateway: FakeGateway
) -> None:
    client, container = masked_store

    def history(body: dict[str, Any]) -> str:
        return "History: " + " | ".join(
            str(m["content"]) for m in body["messages"] if m["role"] == "user"
        )

    gateway.reply = history
    first = await client.post("/v1/sessions/m1/chat", json={"message": f"I am {EMAIL}"})
    assert first.status_code == 200, first.text
    assert first.json()["reply"]["content"] == f"History: I am {EMAIL}"  # restored for the client
    turns = (await client.get("/v1/sessions/m1/turns")).json()["items"]
    assert [t["content"] for t in turns] == ["I am <EMAIL_1>", "History: I am <EMAIL_1>"]
    second = await client.post("/v1/sessions/m1/chat", json={"message": "and now?"})
    assert second.json()["reply"]["content"] == f"History: I am {EMAIL} | and now?"
    assert EMAIL not in str(gateway.requests)
    assert await vault(container, "m1") == [EMAIL]  # the value lives in the vault only
