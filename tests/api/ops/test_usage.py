"""Usage accounting: one event per reply, written with it; totals by session, user, day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from mcp_service.bootstrap import Container
from tests.api.ops.helpers import tenant_keys


async def test_usage_by_session_user_and_day(
    auth_client: httpx.AsyncClient, auth_container: Container
) -> None:
    a, b = await tenant_keys(auth_container, "A"), await tenant_keys(auth_container, "B")
    await auth_client.post("/v1/sessions", json={"id": "s1", "user_id": "dana"}, headers=a.chat)
    await auth_client.post("/v1/sessions", json={"id": "s2", "user_id": "eli"}, headers=a.chat)
    usages = []
    for sid, message in [("s1", "Hello"), ("s1", "And again"), ("s2", "Hi")]:
        r = await auth_client.post(
            f"/v1/sessions/{sid}/chat", json={"message": message}, headers=a.chat
        )
        assert r.status_code == 200, r.text
        usages.append((sid, r.json()["usage"]))
    await auth_client.post("/v1/sessions/other/chat", json={"message": "Hey"}, headers=b.chat)
    imported = {"turns": [{"role": "assistant", "content": "imported, no usage"}]}
    await auth_client.post("/v1/sessions/s1/turns", json=imported, headers=a.chat)

    by_session = (await auth_client.get("/v1/usage?group_by=session", headers=a.admin)).json()
    rows = {x["session_id"]: x for x in by_session["items"]}
    assert set(rows) == {"s1", "s2"}  # tenant B's session is not there
    s1 = [u for sid, u in usages if sid == "s1"]
    assert rows["s1"]["calls"] == 2
    assert rows["s1"]["prompt_tokens"] == sum(u["prompt_tokens"] for u in s1)
    assert rows["s1"]["completion_tokens"] == sum(u["completion_tokens"] for u in s1)
    assert rows["s1"]["total_tokens"] == sum(u["total_tokens"] for u in s1)

    by_user = (await auth_client.get("/v1/usage?group_by=user", headers=a.admin)).json()
    assert {x["user_id"]: x["calls"] for x in by_user["items"]} == {"dana": 2, "eli": 1}
    today = datetime.now(UTC).date().isoformat()
    by_day = (await auth_client.get("/v1/usage?group_by=day", headers=a.admin)).json()
    assert [(x["day"], x["calls"]) for x in by_day["items"]] == [(today, 3)]
    ranged = await auth_client.get(
        f"/v1/usage?group_by=day&from={today}&to={today}", headers=a.admin
    )
    assert ranged.json()["items"][0]["calls"] == 3
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    later = await auth_client.get(f"/v1/usage?from={tomorrow}", headers=a.admin)
    assert later.json()["items"] == []
    paged = (await auth_client.get("/v1/usage?group_by=session&limit=1", headers=a.admin)).json()
    assert [x["key"] for x in paged["items"]] == ["s1"] and paged["next_cursor"]
    rest = await auth_client.get(
        f"/v1/usage?group_by=session&limit=1&cursor={paged['next_cursor']}", headers=a.admin
    )
    assert [x["key"] for x in rest.json()["items"]] == ["s2"]

    bad = await auth_client.get("/v1/usage?group_by=colour", headers=a.admin)
    assert bad.status_code == 422
    bad_date = await auth_client.get("/v1/usage?from=yesterday", headers=a.admin)
    assert bad_date.status_code == 422 and bad_date.json()["field"] == "from"
    assert (await auth_client.get("/v1/usage", headers=a.chat)).status_code == 403
