"""The console in a real browser: Debian's headless Chromium, driven by Playwright, against
the service on a loopback port.

With MCP_AUTH=required it signs in with tenant A's key, opens a session whose replies were
recorded through the gateway, checks that the budget bar's sections add up to the report's
total and that a dropped turn is listed with its reason, runs the preview box (with the
recall cues and a section's status), reads the audit log and the quotas, and then signs in
with tenant B's key, which sees none of A's sessions (and gets A's session as not found).

With auth disabled (behind the loopback Host/Origin guard) it shows a function-calling
loop's turns and the reply a regenerate superseded, and its preview box may still write.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from mcp_service.config import Settings
from tests.fake_gateway import FakeGateway
from tests.live_server import LiveServer, make_key

CHROMIUM = Path(os.environ.get("MCP_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_INSTALLED = CHROMIUM.exists()
# Flags for this offline machine (no sandbox as root, no GPU, no calls home).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LONG = "This is a long message about the quarterly planning of the support team. " * 3


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: this is about the pages; the endpoints run on both databases elsewhere."""
    return sqlite_url


@pytest.fixture
def console_live(settings: Settings, real_embedder: object) -> Iterator[LiveServer]:
    required = settings.model_copy(update={"auth": "required", "rate_limit_per_minute": 0})
    with LiveServer(required, real_embedder) as server:
        yield server


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM_INSTALLED:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


async def seed(url: str, a_key: str, b_key: str) -> tuple[str, int]:
    """Tenant A: a session with imported turns and recorded replies on a tight budget;
    tenant B: a session of its own. Returns A's session id and the last reply's seq."""
    a = httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {a_key}"})
    b = httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {b_key}"})
    async with a, b:
        body = {"id": "a-support", "user_id": "ann", "metadata": {"app": "support"}}
        assert (await a.post("/v1/sessions", json=body)).status_code == 201
        turns = [
            {"role": r, "content": f"{LONG} ({i})"} for i, r in enumerate(["user", "assistant"] * 3)
        ]
        assert (
            await a.post("/v1/sessions/a-support/turns", json={"turns": turns})
        ).status_code == 201
        seq = 0
        for message in ("What did we plan?", "And for the next quarter?"):
            r = await a.post(
                "/v1/sessions/a-support/chat", json={"message": message, "max_context_tokens": 260}
            )
            assert r.status_code == 200, r.text
            seq = r.json()["reply"]["seq"]
        assert (await a.post("/v1/sessions", json={"id": "a-sales"})).status_code == 201
        assert (
            await b.post("/v1/sessions", json={"id": "b-only", "user_id": "zoe"})
        ).status_code == 201
        # Two audited admin actions: a retention policy and a quota on A's own key.
        policy = {"turn_max_age_days": 400}
        assert (await a.put("/v1/retention-policies/yearly", json=policy)).status_code == 201
        key_id = (await a.get("/v1/whoami")).json()["key_id"]
        quota = {"tokens_per_day": 50_000}
        assert (await a.put(f"/v1/quotas/keys/{key_id}", json=quota)).status_code == 201
    return "a-support", seq


async def ready(page: Page, selector: str) -> None:
    await page.locator(selector).first.wait_for(state="attached", timeout=15_000)
    await page.locator("html[data-ready='1']").wait_for(state="attached", timeout=15_000)


async def sign_in(page: Page, url: str, key: str) -> None:
    await page.goto(f"{url}/console/")
    await page.locator("#signin-key").wait_for(state="visible")
    await page.fill("#signin-key", key)
    await page.click("#signin-form button[type=submit]")
    await ready(page, ".page-sessions .results table, .page-sessions .results .empty")


async def segments(page: Page, scope: str) -> list[int]:
    values = await page.locator(f"{scope} .bar.used .seg[data-tokens]").evaluate_all(
        "els => els.map(e => Number(e.dataset.tokens))"
    )
    return [int(v) for v in values]


async def test_console_shows_what_the_model_saw_and_only_to_its_tenant(
    console_live: LiveServer, browser: Browser
) -> None:
    url, settings = console_live.url, console_live.settings
    a_key = await make_key(settings, "acme", "admin")
    b_key = await make_key(settings, "globex", "chat")
    session_id, reply_seq = await seed(url, a_key, b_key)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {a_key}"}) as a:
        report = (await a.get(f"/v1/sessions/{session_id}/turns/{reply_seq}")).json()["report"]
    dropped = report["sections"]["recent"]["dropped"]
    assert dropped, report  # the tight budget left older turns out

    page = await browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await sign_in(page, url, a_key)
    rows = await page.locator("tr[data-session]").evaluate_all(
        "els => els.map(e => e.dataset.session)"
    )
    assert sorted(rows) == ["a-sales", "a-support"]
    assert "acme" in await page.locator("#who").inner_text()

    await page.click(f"a.session-link:text-is('{session_id}')")
    await ready(page, "#inspector .budget")
    inspector = "#inspector"
    assert await page.locator(".turn[data-role=assistant]").count() >= 2
    assert f"Context of reply #{reply_seq}" in await page.locator(inspector).inner_text()
    bar = await segments(page, inspector)
    assert sum(bar) == report["total_tokens"]
    shown = await page.locator(f"{inspector} .budget").get_attribute("data-total")
    assert shown == str(report["total_tokens"])

    first = dropped[0]
    drop = page.locator(
        f"{inspector} details[data-section=recent] li.drop[data-id='{first['id']}']"
    )
    assert await drop.count() == 1
    text = await drop.inner_text()
    assert f"#{first['id']}" in text and f"dropped: {first['reason']}" in text

    question = "What is the latest plan for the support team?"
    await page.fill(".preview textarea[name=message]", question)
    await page.fill(".preview input[name=max_context_tokens]", "300")
    await page.click(".preview button[type=submit]")
    await page.locator(".preview-out .budget").wait_for(state="attached", timeout=15_000)
    preview_total = await page.locator(".preview-out .budget").get_attribute("data-total")
    assert sum(await segments(page, ".preview-out")) == int(preview_total or -1)
    cues = page.locator(".preview-out details[data-section=recall] .cues .badge")
    assert "latest" in await cues.all_inner_texts()  # "latest" in the message steered recall
    no_collections = page.locator(
        ".preview-out details[data-section=knowledge] .section-status"
        "[data-status='skipped: no collections']"
    )
    assert await no_collections.count() == 1

    await page.click("nav a:text-is('Audit & quotas')")
    await ready(page, ".page-audit tr[data-event]")
    actions = await page.locator("tr[data-event]").evaluate_all(
        "els => els.map(e => e.dataset.action)"
    )
    assert actions == ["quota.put", "retention_policy.put"]  # newest first
    quota_row = await page.locator("tr[data-quota]").inner_text()
    assert "50,000" in quota_row

    await page.click("#who button:text-is('Sign out')")
    await page.locator("#signin-key").wait_for(state="visible")
    await sign_in(page, url, b_key)
    rows = await page.locator("tr[data-session]").evaluate_all(
        "els => els.map(e => e.dataset.session)"
    )
    assert rows == ["b-only"]
    assert await page.locator("nav a:text-is('Audit & quotas')").count() == 0  # chat only
    body = await page.locator("main").inner_text()
    assert "a-support" not in body and "a-sales" not in body
    await page.goto(f"{url}/console/#/sessions/{session_id}")
    await ready(page, "main .error")
    assert "404" in await page.locator("main .error").inner_text()
    assert await page.locator(".turn").count() == 0
    assert errors == []


CALL = {
    "id": "call_weather_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}


async def function_calling_loop_then_regenerate(url: str, gateway: FakeGateway) -> None:
    """Through the OpenAI-compatible proxy: the model calls a tool, gets its answer and
    replies; the chat UI then regenerates that reply (the same body again)."""
    replies = iter(["It is 12 C and sunny.", "Sunny, 12 degrees."])
    gateway.tool_calls = lambda body: [CALL] if body["messages"][-1]["role"] == "user" else None
    gateway.reply = lambda body: next(replies)
    question = {"role": "user", "content": "What is the weather in Paris?"}
    answered = [
        question,
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": CALL["id"], "content": "12 C and sunny"},
    ]
    headers = {"X-Session-Id": "weather"}
    async with httpx.AsyncClient(base_url=url, headers=headers) as http:
        for messages in ([question], answered, answered):
            body = {"model": "fake-model", "messages": messages}
            r = await http.post("/v1/chat/completions", json=body)
            assert r.status_code == 200, r.text


async def test_console_without_auth_shows_tool_calls_and_superseded_replies(
    live: LiveServer, gateway: FakeGateway, browser: Browser
) -> None:
    await function_calling_loop_then_regenerate(live.url, gateway)
    page = await browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{live.url}/console/#/sessions/weather")
    await ready(page, "#inspector .budget")
    assert "auth disabled" in await page.locator("#who").inner_text()

    roles = await page.locator(".turn").evaluate_all(
        "els => els.map(e => [Number(e.dataset.seq), e.dataset.role, e.dataset.superseded])"
    )
    assert roles == [
        [1, "user", ""],
        [2, "assistant", ""],
        [3, "tool", ""],
        [4, "assistant", "1"],
        [5, "assistant", ""],
    ]
    call = page.locator(".turn[data-seq='2'] .tool-call[data-call='call_weather_1']")
    assert await call.inner_text() == 'tool call get_weather({"city": "Paris"}) · call_weather_1'
    answer = page.locator(".turn[data-seq='3'] .tool-answer[data-answers='call_weather_1']")
    assert "answers call call_weather_1 of #2" in await answer.inner_text()
    replaced = page.locator(".turn.superseded")
    assert await replaced.count() == 1
    assert "superseded" in await replaced.locator("header").inner_text()
    assert await replaced.locator(".content").inner_text() == "It is 12 C and sunny."
    assert "Context of reply #5" in await page.locator("#inspector").inner_text()

    # A write from the page itself passes the loopback Host/Origin guard.
    await page.fill(".preview textarea[name=message]", "Will it rain tomorrow?")
    await page.click(".preview button[type=submit]")
    await page.locator(".preview-out .budget, .preview-out .error").first.wait_for(
        state="attached", timeout=15_000
    )
    assert await page.locator(".preview-out .error").count() == 0
    preview_total = await page.locator(".preview-out .budget").get_attribute("data-total")
    assert sum(await segments(page, ".preview-out")) == int(preview_total or -1)
    assert errors == []
