"""API keys: how they are presented, stored, revoked and expired, and who may manage them."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from mcp_service.bootstrap import Container
from tests.api.ops.helpers import bearer, make_key, x_api_key


async def test_no_key_or_an_unknown_key_is_401(auth_client: httpx.AsyncClient) -> None:
    missing = await auth_client.get("/v1/sessions")
    assert missing.status_code == 401
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.headers["www-authenticate"] == "Bearer"
    unknown = await auth_client.get("/v1/sessions", headers=bearer("mcp_not-a-real-key"))
    assert unknown.status_code == 401
    assert (await auth_client.get("/livez")).status_code == 200  # health needs no key


async def test_bearer_and_x_api_key_both_authenticate(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    key = await make_key(auth_container, "acme", "chat")
    for headers in (bearer(key), x_api_key(key)):
        r = await auth_client.post("/v1/sessions", json={}, headers=headers)
        assert r.status_code == 201, r.text
    listed = await auth_client.get("/v1/sessions", headers=x_api_key(key))
    assert len(listed.json()["items"]) == 2


async def test_stored_hash_is_not_the_key(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    admin = await make_key(auth_container, "system", "admin")
    r = await auth_client.post(
        "/v1/api-keys", json={"tenant_id": "system", "roles": ["chat"]}, headers=bearer(admin)
    )
    assert r.status_code == 201, r.text
    created = r.json()
    secret = created["key"]
    assert secret.startswith(created["prefix"]) and len(secret) > 40
    async with auth_container.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM api_keys"))).mappings().all()
    assert len(rows) == 2
    row = next(r for r in rows if r["id"] == created["id"])
    assert row["key_hash"] != secret
    assert row["key_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    for stored in rows:
        assert all(secret not in str(value) for value in stored.values())
        assert all(admin not in str(value) for value in stored.values())
    listed = await auth_client.get("/v1/api-keys", headers=bearer(admin))
    assert secret not in listed.text and "key_hash" not in listed.text
    assert {k["id"] for k in listed.json()["items"]} == {row["id"] for row in rows}


async def test_revoked_key_is_401(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    admin = await make_key(auth_container, "acme", "admin")
    made = await auth_client.post("/v1/api-keys", json={"roles": ["chat"]}, headers=bearer(admin))
    key, key_id = made.json()["key"], made.json()["id"]
    assert (await auth_client.get("/v1/sessions", headers=bearer(key))).status_code == 200
    revoked = await auth_client.delete(f"/v1/api-keys/{key_id}", headers=bearer(admin))
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["key"]["status"] == "revoked"
    assert (await auth_client.get("/v1/sessions", headers=bearer(key))).status_code == 401
    listed = (await auth_client.get("/v1/api-keys", headers=bearer(admin))).json()["items"]
    assert {k["id"]: k["status"] for k in listed}[key_id] == "revoked"


async def test_expired_key_is_401(
    auth_client: httpx.AsyncClient, auth_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await make_key(auth_container, "acme", "admin")
    made = await auth_client.post(
        "/v1/api-keys", json={"roles": ["chat"], "expires_in_days": 1}, headers=bearer(admin)
    )
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    assert (await auth_client.get("/v1/sessions", headers=bearer(key))).status_code == 200
    keys = auth_container.ops.keys
    real_now = keys.now
    monkeypatch.setattr(keys, "now", lambda: real_now() + timedelta(days=2))
    assert (await auth_client.get("/v1/sessions", headers=bearer(key))).status_code == 401
    assert (await auth_client.get("/v1/sessions", headers=bearer(admin))).status_code == 200
    past = await auth_client.post(
        "/v1/api-keys",
        json={"roles": ["chat"], "expires_at": "2001-01-01T00:00:00Z"},
        headers=bearer(admin),
    )
    assert past.status_code == 422 and past.json()["field"] == "expires_at"


async def test_only_the_admin_tenant_creates_tenants_and_other_tenants_keys(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    root = bearer(await make_key(auth_container, "system", "admin"))
    made = await auth_client.post(
        "/v1/tenants",
        json={"id": "globex", "name": "Globex", "settings": {"system_prompt": "Be terse."}},
        headers=root,
    )
    assert made.status_code == 201, made.text
    assert made.json()["settings"] == {"system_prompt": "Be terse."}
    again = await auth_client.post("/v1/tenants", json={"id": "globex"}, headers=root)
    assert again.status_code == 409
    key = await auth_client.post(
        "/v1/api-keys", json={"tenant_id": "globex", "roles": ["admin"]}, headers=root
    )
    assert key.status_code == 201 and key.json()["tenant_id"] == "globex"
    globex = bearer(key.json()["key"])
    nowhere = await auth_client.post(
        "/v1/api-keys", json={"tenant_id": "nowhere", "roles": ["chat"]}, headers=root
    )
    assert nowhere.status_code == 404

    # A tenant's admin manages only its own tenant.
    assert (
        await auth_client.post("/v1/tenants", json={"id": "x"}, headers=globex)
    ).status_code == 403
    other = await auth_client.post(
        "/v1/api-keys", json={"tenant_id": "system", "roles": ["chat"]}, headers=globex
    )
    assert other.status_code == 403 and other.json()["field"] == "tenant_id"
    own = await auth_client.post("/v1/api-keys", json={"roles": ["chat"]}, headers=globex)
    assert own.status_code == 201 and own.json()["tenant_id"] == "globex"
    root_keys = (await auth_client.get("/v1/api-keys", headers=root)).json()["items"]
    gone = await auth_client.delete(f"/v1/api-keys/{root_keys[0]['id']}", headers=globex)
    assert gone.status_code == 404
    assert (await auth_client.get("/v1/tenants/system", headers=globex)).status_code == 404
    mine = await auth_client.patch(
        "/v1/tenants/globex", json={"settings": {"system_prompt": "Be kind."}}, headers=globex
    )
    assert mine.status_code == 200 and mine.json()["settings"]["system_prompt"] == "Be kind."
    listed = (await auth_client.get("/v1/tenants", headers=globex)).json()["items"]
    assert [t["id"] for t in listed] == ["globex"]
    everyone = (await auth_client.get("/v1/tenants", headers=root)).json()["items"]
    assert {t["id"] for t in everyone} >= {"globex", "system"}


async def test_key_validation(auth_client: httpx.AsyncClient, auth_container: Container) -> None:
    admin = bearer(await make_key(auth_container, "acme", "admin"))
    for body, field in [
        ({"roles": []}, "roles"),
        ({"roles": ["root"]}, "roles.0"),
        ({"roles": ["chat"], "secret": 1}, "secret"),
        ({"roles": ["chat"], "expires_in_days": -1}, "expires_in_days"),
    ]:
        r = await auth_client.post("/v1/api-keys", json=body, headers=admin)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"][0]["field"] == field


def test_cli_bootstraps_the_first_admin_key(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio

    from mcp_service.adapters.db.engine import make_engine
    from mcp_service.adapters.db.unit_of_work import SqlUnitOfWorkFactory
    from mcp_service.cli import main
    from mcp_service.config import get_settings
    from mcp_service.services.deps import utc_now
    from mcp_service.services.governance.keys import KeyService

    monkeypatch.setenv("MCP_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MCP_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        code = main(["keys", "create", "--tenant", "ops", "--role", "admin", "--expires-days", "7"])
    finally:
        get_settings.cache_clear()
    assert code == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]

    async def check() -> tuple[str, tuple[str, ...]]:
        engine = make_engine(sqlite_url)
        try:
            keys = KeyService(SqlUnitOfWorkFactory(engine), utc_now, admin_tenant="system")
            found = await keys.authenticate(key)
            async with SqlUnitOfWorkFactory(engine)() as uow:
                assert await uow.tenants.get("ops") is not None
            assert found.expires_at is not None
            return found.tenant_id, found.roles
        finally:
            await engine.dispose()

    assert asyncio.run(check()) == ("ops", ("admin",))


async def test_a_superadmin_does_not_rewrite_another_tenants_settings(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    root = bearer(await make_key(auth_container, "system", "admin"))
    beta = bearer(await make_key(auth_container, "beta", "admin"))
    pwned = await auth_client.patch("/v1/tenants/beta", json={"name": "pwned"}, headers=root)
    assert pwned.status_code == 403, pwned.text
    prompt = {"settings": {"system_prompt": "Obey the system tenant."}}
    assert (
        await auth_client.patch("/v1/tenants/beta", json=prompt, headers=root)
    ).status_code == 403
    seen = await auth_client.get("/v1/tenants/beta", headers=root)
    assert seen.status_code == 200 and seen.json()["name"] == "beta"  # unchanged, still visible
    own = await auth_client.patch("/v1/tenants/beta", json={"name": "Beta Ltd"}, headers=beta)
    assert own.status_code == 200 and own.json()["name"] == "Beta Ltd"
    mine = await auth_client.patch("/v1/tenants/system", json={"name": "Root"}, headers=root)
    assert mine.status_code == 200
