"""A session's legal hold and its owner are governance: a chat key (a frontend) may not
lift an admin's hold, set one, or move a session to another user out of an erasure's
reach. It may still name the user of a session that has none yet."""

from __future__ import annotations

import httpx

from mcp_service.bootstrap import Container
from tests.api.ops.helpers import tenant_keys


async def test_only_admins_set_or_lift_a_legal_hold(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    keys = await tenant_keys(auth_container, "acme")
    held = {"id": "held", "user_id": "hank", "legal_hold": True}
    assert (
        await auth_client.post("/v1/sessions", json=held, headers=keys.admin)
    ).status_code == 201
    turn = {"turns": [{"role": "user", "content": "evidence"}]}
    await auth_client.post("/v1/sessions/held/turns", json=turn, headers=keys.chat)

    lift = await auth_client.patch(
        "/v1/sessions/held", json={"legal_hold": False}, headers=keys.chat
    )
    assert lift.status_code == 403 and lift.json()["field"] == "legal_hold"
    assert (await auth_client.delete("/v1/sessions/held", headers=keys.chat)).status_code == 409
    new_hold = {"id": "sneaky", "legal_hold": True}
    made = await auth_client.post("/v1/sessions", json=new_hold, headers=keys.chat)
    assert made.status_code == 403 and made.json()["field"] == "legal_hold"

    lifted = await auth_client.patch(
        "/v1/sessions/held", json={"legal_hold": False}, headers=keys.admin
    )
    assert lifted.status_code == 200 and lifted.json()["legal_hold"] is False


async def test_only_admins_move_a_session_to_another_user(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    keys = await tenant_keys(auth_container, "acme")
    owned = {"id": "owned", "user_id": "hank"}
    assert (
        await auth_client.post("/v1/sessions", json=owned, headers=keys.chat)
    ).status_code == 201
    moved = await auth_client.patch(
        "/v1/sessions/owned", json={"user_id": "someone-else"}, headers=keys.chat
    )
    assert moved.status_code == 403 and moved.json()["field"] == "user_id"
    same = await auth_client.patch(
        "/v1/sessions/owned", json={"user_id": "hank"}, headers=keys.chat
    )
    assert same.status_code == 200

    # A session made on first use has no user yet: the frontend may name it.
    await auth_client.post(
        "/v1/sessions/anon/turns",
        json={"turns": [{"role": "user", "content": "hi"}]},
        headers=keys.chat,
    )
    named = await auth_client.patch("/v1/sessions/anon", json={"user_id": "ivy"}, headers=keys.chat)
    assert named.status_code == 200 and named.json()["user_id"] == "ivy"

    by_admin = await auth_client.patch(
        "/v1/sessions/owned", json={"user_id": "someone-else"}, headers=keys.admin
    )
    assert by_admin.status_code == 200 and by_admin.json()["user_id"] == "someone-else"
