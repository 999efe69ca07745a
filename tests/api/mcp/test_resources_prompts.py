"""Sessions as MCP resources, the continue_conversation prompt, completion and
logging/setLevel, through the official `mcp` client: each tenant sees only its own."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from mcp.types import INVALID_PARAMS, PromptReference, ResourceTemplateReference, TextContent

from mcp_service.adapters.db.engine import make_engine
from mcp_service.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from mcp_service.domain.model import Summary
from tests.api.mcp.support import call, make_key, mcp_client
from tests.live_server import LiveServer

TEMPLATES = {
    "memory://sessions/{session_id}/summary",
    "memory://sessions/{session_id}/turns{?limit}",
    "memory://sessions/{session_id}/state",
}
SUMMARY = "The user is planning a trip to Lisbon in May and travels light."


async def add_turns(server: LiveServer, key: str, session_id: str, *contents: str) -> None:
    turns = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": text}
        for i, text in enumerate(contents)
    ]
    async with httpx.AsyncClient(base_url=server.url) as rest:
        r = await rest.post(
            f"/v1/sessions/{session_id}/turns",
            json={"turns": turns},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert r.status_code == 201, r.text


async def add_summary(server: LiveServer, tenant_id: str, session_id: str, through: int) -> None:
    """A rolling summary as the background worker would write it (the live server runs
    none), through the project's own repository."""
    engine = make_engine(server.settings.resolved_database_url)
    try:
        async with SqlUnitOfWorkFactory(engine)(write=True) as uow:
            await uow.summaries.add(
                Summary(tenant_id, session_id, 1, SUMMARY, through, 14, datetime.now(UTC))
            )
            await uow.commit()
    finally:
        await engine.dispose()


async def read_text(client: Client, uri: str) -> str:
    result = await client.read_resource(uri)
    (content,) = result.contents
    assert str(content.uri) == uri
    text = getattr(content, "text", None)
    assert isinstance(text, str)
    return text


def prompt_texts(messages: list[object]) -> list[tuple[str, str]]:
    out = []
    for m in messages:
        content = getattr(m, "content", None)
        assert isinstance(content, TextContent)
        out.append((str(getattr(m, "role", "")), content.text))
    return out


async def test_a_session_is_resources_a_prompt_and_completions_of_its_tenant_only(
    auth_live: LiveServer,
) -> None:
    acme = await make_key(auth_live.settings, "acme", "chat")
    globex = await make_key(auth_live.settings, "globex", "chat")
    await add_turns(
        auth_live,
        acme,
        "trip-lisbon",
        "I fly to Lisbon on May 3.",
        "Noted: Lisbon, May 3.",
        "Book a hotel near Alfama.",
    )
    await add_summary(auth_live, "acme", "trip-lisbon", through=1)
    await add_turns(auth_live, globex, "trip-globex", "GLOBEX SECRET itinerary")

    async with mcp_client(auth_live, acme) as client:
        await call(client, "remember_fact", session_id="trip-lisbon", key="seat", value="aisle")
        listed = await client.list_resources()
        assert [str(r.uri) for r in listed.resources] == ["memory://sessions/trip-lisbon/turns"]
        assert listed.resources[0].name == "session trip-lisbon"
        templates = await client.list_resource_templates()
        assert {t.uri_template for t in templates.resource_templates} == TEMPLATES

        base = "memory://sessions/trip-lisbon"
        assert await read_text(client, f"{base}/summary") == SUMMARY
        turns = json.loads(await read_text(client, f"{base}/turns"))
        assert turns["turn_count"] == 3
        assert [t["content"] for t in turns["turns"]] == [
            "I fly to Lisbon on May 3.",
            "Noted: Lisbon, May 3.",
            "Book a hotel near Alfama.",
        ]
        latest = json.loads(await read_text(client, f"{base}/turns?limit=1"))
        assert [(t["seq"], t["content"]) for t in latest["turns"]] == [
            (3, "Book a hotel near Alfama.")
        ]
        state = json.loads(await read_text(client, f"{base}/state"))
        assert state == {"session_id": "trip-lisbon", "state": {"seat": "aisle"}}

        prompt = await client.get_prompt(
            "continue_conversation", {"session_id": "trip-lisbon", "message": "What to pack?"}
        )
        texts = prompt_texts(list(prompt.messages))
        assert texts[1:] == [  # the whole conversation fits: verbatim, then the new message
            ("user", "I fly to Lisbon on May 3."),
            ("assistant", "Noted: Lisbon, May 3."),
            ("user", "Book a hotel near Alfama."),
            ("user", "What to pack?"),
        ]
        role, context = texts[0]  # the service's system sections, as a user message
        assert role == "user" and "seat: aisle" in context
        assert "GLOBEX" not in "\n".join(text for _, text in texts)

        by_prompt = await client.complete(
            PromptReference(type="ref/prompt", name="continue_conversation"),
            {"name": "session_id", "value": "trip"},
        )
        assert by_prompt.completion.values == ["trip-lisbon"]
        by_template = await client.complete(
            ResourceTemplateReference(type="ref/resource", uri=next(iter(sorted(TEMPLATES)))),
            {"name": "session_id", "value": "trip-"},
        )
        assert by_template.completion.values == ["trip-lisbon"]

        # Another tenant's session reads exactly like one that does not exist.
        for session_id in ("trip-globex", "no-such-trip"):
            with pytest.raises(MCPError) as missing:
                await client.read_resource(f"memory://sessions/{session_id}/turns")
            assert missing.value.error.code == INVALID_PARAMS
            assert missing.value.error.message == f"session {session_id!r} not found"
            with pytest.raises(MCPError) as no_prompt:
                await client.get_prompt("continue_conversation", {"session_id": session_id})
            assert no_prompt.value.error.message == f"session {session_id!r} not found"

    async with mcp_client(auth_live, globex) as client:
        listed = await client.list_resources()
        assert [str(r.uri) for r in listed.resources] == ["memory://sessions/trip-globex/turns"]
        completed = await client.complete(
            PromptReference(type="ref/prompt", name="continue_conversation"),
            {"name": "session_id", "value": "trip"},
        )
        assert completed.completion.values == ["trip-globex"]
        with pytest.raises(MCPError):
            await client.read_resource("memory://sessions/trip-lisbon/summary")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_reading_memory_needs_the_chat_role_like_the_session_tools(
    auth_live: LiveServer,
) -> None:
    chat = await make_key(auth_live.settings, "acme", "chat")
    ingest = await make_key(auth_live.settings, "acme", "ingest")
    await add_turns(auth_live, chat, "notes", "Remember the milk.")
    async with mcp_client(auth_live, ingest) as client:
        assert (await client.list_resources()).resources == []
        with pytest.raises(MCPError) as refused:
            await client.read_resource("memory://sessions/notes/turns")
        assert "chat" in refused.value.error.message
        with pytest.raises(MCPError) as refused_prompt:
            await client.get_prompt("continue_conversation", {"session_id": "notes"})
        assert "chat" in refused_prompt.value.error.message
        completed = await client.complete(
            PromptReference(type="ref/prompt", name="continue_conversation"),
            {"name": "session_id", "value": "no"},
        )
        assert completed.completion.values == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_completion_lists_ids_by_prefix_and_nothing_for_other_arguments(
    auth_live: LiveServer,
) -> None:
    key = await make_key(auth_live.settings, "acme", "chat")
    for session_id in ("a", "a-2", "a.1", "ab", "b-1"):
        await add_turns(auth_live, key, session_id, f"hello from {session_id}")
    prompt = PromptReference(type="ref/prompt", name="continue_conversation")
    async with mcp_client(auth_live, key) as client:

        async def values(ref: PromptReference, name: str, value: str) -> list[str]:
            return (await client.complete(ref, {"name": name, "value": value})).completion.values

        assert await values(prompt, "session_id", "a") == ["a", "a-2", "a.1", "ab"]
        assert await values(prompt, "session_id", "a-") == ["a-2"]
        assert await values(prompt, "session_id", "") == ["a", "a-2", "a.1", "ab", "b-1"]
        assert await values(prompt, "session_id", "zzz") == []
        assert await values(prompt, "message", "a") == []
        other = PromptReference(type="ref/prompt", name="test_prompt_with_arguments")
        assert await values(other, "session_id", "a") == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_prompt_errors_are_invalid_params_naming_the_problem(auth_live: LiveServer) -> None:
    key = await make_key(auth_live.settings, "acme", "chat")
    async with mcp_client(auth_live, key) as client:
        listed = await client.list_prompts()
        assert [p.name for p in listed.prompts] == ["continue_conversation"]
        assert [(a.name, a.required) for a in listed.prompts[0].arguments or []] == [
            ("session_id", True),
            ("message", False),
        ]
        cases = [
            ("no_such_prompt", {"session_id": "x"}, "unknown prompt 'no_such_prompt'"),
            ("continue_conversation", {}, "the argument session_id is required"),
            ("continue_conversation", {"session_id": ""}, "session_id must be"),
            ("continue_conversation", {"session_id": "x", "message": "a\x00"}, "NUL"),
        ]
        for name, arguments, message in cases:
            with pytest.raises(MCPError) as failed:
                await client.get_prompt(name, arguments)
            assert failed.value.error.code == INVALID_PARAMS
            assert message in failed.value.error.message


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_logging_set_level_is_accepted_from_clients_of_the_older_revisions(
    auth_live: LiveServer,
) -> None:
    key = await make_key(auth_live.settings, "acme", "chat")
    async with mcp_client(auth_live, key, mode="legacy") as client:
        capabilities = client.server_capabilities
        assert capabilities.logging is not None and capabilities.completions is not None
        assert capabilities.resources is not None and not capabilities.resources.subscribe
        with pytest.warns(MCPDeprecationWarning):
            await client.set_logging_level("info")
        assert (await call(client, "list_sessions"))["sessions"] == []  # still serving
