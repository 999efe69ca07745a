"""What a deletion deletes must not live on elsewhere: the answers remembered for
`Idempotency-Key` retries and the payloads of background ingest jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from mcp_service.bootstrap import Container
from mcp_service.domain.model import JSON
from tests.fake_gateway import FakeGateway


@pytest.fixture(autouse=True)
def echo(gateway: FakeGateway) -> None:
    def reply(body: JSON) -> str:
        return "ECHO: " + str(body["messages"][-1]["content"])

    gateway.reply = reply


async def rows(container: Container, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async with container.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text(sql), params)).all()]


async def remembered(container: Container, secret: str) -> int:
    """Idempotency records whose stored answer holds `secret`."""
    found = await rows(container, "SELECT response FROM idempotency_keys")
    return sum(1 for (response,) in found if secret in str(response))


async def chat_twice_ways(client: httpx.AsyncClient, sid: str, secret: str) -> None:
    """One /chat and one /v1/chat/completions answer, each under an Idempotency-Key."""
    body = {"message": f"tell me about {secret} please"}
    r = await client.post(f"/v1/sessions/{sid}/chat", json=body, headers={"Idempotency-Key": sid})
    assert r.status_code == 200 and secret in r.text
    oa = {"model": "fake-model", "messages": [{"role": "user", "content": f"and {secret}?"}]}
    headers = {"Idempotency-Key": f"oa-{sid}", "X-Session-Id": sid}
    r = await client.post("/v1/chat/completions", json=oa, headers=headers)
    assert r.status_code == 200 and secret in r.text


async def assert_not_replayed(client: httpx.AsyncClient, sid: str, secret: str) -> None:
    body = {"message": f"tell me about {secret} please"}
    again = await client.post(
        f"/v1/sessions/{sid}/chat", json=body, headers={"Idempotency-Key": sid}
    )
    assert again.status_code == 200
    assert "Idempotent-Replayed" not in again.headers  # it ran afresh, in a new session


async def test_deleting_a_session_forgets_its_remembered_answers(
    client: httpx.AsyncClient, container: Container
) -> None:
    await chat_twice_ways(client, "del-sess", "SECRETSESS")
    await chat_twice_ways(client, "kept", "KEPTSECRET")
    assert await remembered(container, "SECRETSESS") == 2
    assert (await client.delete("/v1/sessions/del-sess")).status_code == 200
    assert await remembered(container, "SECRETSESS") == 0
    assert await remembered(container, "KEPTSECRET") == 2  # other sessions keep theirs
    await assert_not_replayed(client, "del-sess", "SECRETSESS")


async def test_erasing_a_user_forgets_the_answers_of_their_sessions(
    client: httpx.AsyncClient, container: Container
) -> None:
    for sid in ("carol-1", "carol-2"):
        created = await client.post("/v1/sessions", json={"id": sid, "user_id": "carol"})
        assert created.status_code == 201
        await chat_twice_ways(client, sid, "SECRETUSER")
    assert await remembered(container, "SECRETUSER") == 4
    assert (await client.delete("/v1/users/carol")).status_code == 200
    assert await remembered(container, "SECRETUSER") == 0
    await assert_not_replayed(client, "carol-1", "SECRETUSER")


async def test_retention_that_deletes_turns_forgets_the_session_s_answers(
    client: httpx.AsyncClient, container: Container
) -> None:
    old = [{"role": "user", "content": "ancient", "created_at": "2001-01-01T00:00:00Z"}]
    created = await client.post("/v1/sessions", json={"id": "ret-sess", "metadata": {"app": "r"}})
    assert created.status_code == 201
    assert (
        await client.post("/v1/sessions/ret-sess/turns", json={"turns": old})
    ).status_code == 201
    await chat_twice_ways(client, "ret-sess", "SECRETRET")
    await chat_twice_ways(client, "untouched", "OTHERSECRET")
    policy = {"scope": {"metadata": {"app": "r"}}, "turn_max_age_days": 30, "enabled": True}
    assert (await client.put("/v1/retention-policies/r", json=policy)).status_code == 201
    run = await client.post("/v1/retention/run")
    assert run.status_code == 200 and run.json()["receipts"][0]["counts"]["turns"] == 1
    assert await remembered(container, "SECRETRET") == 0
    assert await remembered(container, "OTHERSECRET") == 2


async def test_expired_keys_are_purged(client: httpx.AsyncClient, container: Container) -> None:
    await chat_twice_ways(client, "exp", "EXPSECRET")
    ttl = container.deps.config.idempotency_ttl_s
    later = container.deps.now() + timedelta(seconds=ttl + 60)
    purged = await container.ops.housekeeping.run_once(now=later)
    assert purged["idempotency_keys"] == 2
    assert await remembered(container, "EXPSECRET") == 0


async def test_finished_ingest_jobs_keep_no_document_text(
    client: httpx.AsyncClient, container: Container
) -> None:
    docs = [{"external_id": "bg", "text": "SECRETBGDOC queued document body"}]
    r = await client.post(
        "/v1/collections/delc/documents?background=true", json={"documents": docs}
    )
    assert r.status_code == 202, r.text
    (payload,) = (
        p for (p,) in await rows(container, "SELECT payload FROM jobs WHERE kind = 'ingest'")
    )
    assert "SECRETBGDOC" in str(payload)  # queued: the job needs it
    await container.worker.run_until_idle()
    done = (await client.get(r.json()["job"])).json()
    assert done["status"] == "done"
    payloads = await rows(container, "SELECT payload FROM jobs")
    assert not any("SECRETBGDOC" in str(p) for (p,) in payloads)
    # A job left over from before (finished, payload kept) is emptied by housekeeping.
    async with container.deps.uow(write=True) as uow:
        job_id = await uow.jobs.enqueue("ingest", {"documents": ["OLDSECRET"]}, tenant_id="t")
        await uow.commit()
    async with container.engine.begin() as conn:
        await conn.execute(text("UPDATE jobs SET status = 'dead' WHERE id = :i"), {"i": job_id})
    await container.ops.housekeeping.run_once()
    payloads = await rows(container, "SELECT payload FROM jobs")
    assert not any("OLDSECRET" in str(p) for (p,) in payloads)
