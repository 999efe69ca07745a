"""Console page loads at scale: `scripts/bench console [--json] [--sessions N] [--turns N]
[--runs N] [--database-url URL] [--screenshots DIR]`.

Seeding (straight through the repositories, as benchmarks/_stack.py seeds chunks, since
10,000 sessions through the API would take minutes): `--sessions` sessions of one tenant
with users, metadata and last activity spread over 30 days, 4 turns each (mostly
embedded), one usage event each (3 models, 2,000 users, 30 days); a collection of 500
documents with their chunks. Then `mcp-service serve` runs in its own process with
MCP_AUTH=required and the offline responder; through the API it gets the big session
(`--turns` turns, imported), replies recorded through POST …/chat (so they carry context
reports), an imported tool call with its tool turn, a reply that the OpenAI-compatible
proxy regenerates (the first one superseded), two background ingest jobs, two retention
policies, a quota and a run's receipts (the audit log); the benchmark waits until the
worker is idle.

Measured, for each page: in headless Chromium (Debian's /usr/bin/chromium driven by
Playwright) a new tab loads /console/#/<page>, then loads it again `--runs` times (full
page loads, from about:blank); the figure is the time from navigation start to the page's
data drawn (`<html data-ready="1">`): HTML, CSS, JS, the REST calls and rendering. The
first load of the tab also asks who the key is before drawing (`new_tab_ms`; the very
first one fetches the static files too); later loads find the files in the browser cache
(their URLs carry a digest of their content) and check the key alongside the page's own
calls. `shell` is when the page's own files were in (DOMContentLoaded), before any data.
And each REST call the page makes, timed alone with httpx (one after another).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from benchmarks._measure import add_database_url, bench_parser, machine, percentiles, report
from benchmarks._stack import (
    _clean_env,
    _DimensionOnly,
    _free_port,
    _stop,
    _wait_ready,
    conversation,
    scratch_database,
    start_service,
    wait_idle,
)
from mcp_service.bootstrap import build_container, open_key_service
from mcp_service.config import Settings
from mcp_service.domain.access import Operator, UsageEvent
from mcp_service.domain.model import Chunk, Collection, Document, NewTurn
from mcp_service.services.conversation.sessions import new_session

TENANT = "bench"
BIG = "bench-big"
MODELS = ("gpt-4o-mini", "gpt-4o", "llama-3.1-70b")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def seed_direct(settings: Settings, sessions: int, seed: int) -> str:
    """Sessions, their turns and usage, documents: before the server starts. Returns an
    admin key of the tenant."""
    c = await build_container(settings, embedder=_DimensionOnly(), run_migrations=True)
    rng, now = random.Random(seed), datetime.now(UTC)
    try:
        async with c.deps.uow(write=True) as uow:
            await uow.tenants.ensure(TENANT)
            await uow.commit()
        for start in range(0, sessions, 1000):
            async with c.deps.uow(write=True) as uow:
                for i in range(start, min(start + 1000, sessions)):
                    await _one_session(uow, c.deps, rng, now, i)
                await uow.commit()
        await _documents(c, now)
    finally:
        await c.aclose()
    keys, engine = await open_key_service(settings)
    operator = Operator(TENANT, superadmin=True)
    try:
        _, secret = await keys.create(operator, tenant_id=TENANT, roles=["admin"], name="bench")
        soon = datetime.now(UTC) + timedelta(days=90)
        await keys.create(
            operator, tenant_id=TENANT, roles=["chat"], name="web frontend", expires_at=soon
        )
        old, _ = await keys.create(operator, tenant_id=TENANT, roles=["ingest"], name="old sync")
        await keys.revoke(operator, old.id)
    finally:
        await engine.dispose()
    return secret


async def _one_session(uow: Any, deps: Any, rng: random.Random, now: datetime, i: int) -> None:
    sid = f"{rng.choice(['support', 'sales', 'onboarding'])}-{i:05d}"
    user = f"user-{rng.randrange(2000):04d}"
    meta = {"app": sid.split("-")[0], "tier": rng.randrange(1, 4)}
    active = now - timedelta(minutes=rng.randrange(30 * 24 * 60))
    fields = {"user_id": user, "metadata": meta, "legal_hold": i % 97 == 0}
    session = new_session(deps, TENANT, sid, fields)
    await uow.sessions.add(session)
    texts = [t["content"] for t in conversation(4, offset=i % 50)]
    turns = [
        NewTurn(
            role="user" if k % 2 == 0 else "assistant",
            content=text,
            created_at=active - timedelta(seconds=60 * (4 - k)),
            token_count=deps.counter.count(text),
        )
        for k, text in enumerate(texts)
    ]
    first = await uow.sessions.reserve_seqs(TENANT, sid, len(turns), active)
    await uow.turns.add_many(TENANT, sid, first, turns)
    if i % 10:  # 90 % of the sessions fully embedded, the rest still catching up
        await uow.turns.mark_embedded(TENANT, sid, [first + k for k in range(len(turns))])
    model = rng.choice(MODELS)
    prompt, completion = rng.randrange(200, 4000), rng.randrange(20, 400)
    await uow.usage.add(UsageEvent(TENANT, sid, user, model, prompt, completion, active))


async def _documents(c: Any, now: datetime) -> None:
    async with c.deps.uow(write=True) as uow:
        await uow.collections.add(Collection(TENANT, "handbook", "The staff handbook", now))
        for i in range(500):
            text = f"Handbook page {i}: rules about topic {i % 37} and how to apply them."
            doc = Document(
                str(uuid.uuid4()), TENANT, "handbook", f"pages/{i:03d}.md", f"Page {i}",
                uuid.uuid4().hex, {"section": f"s{i % 12}"}, 2, now, now,
            )  # fmt: skip
            chunks = [
                Chunk(str(uuid.uuid4()), TENANT, "handbook", doc.id, k, text, 20, {})
                for k in range(2)
            ]
            await uow.documents.add(doc, chunks)
        await uow.commit()


async def seed_live(client: httpx.AsyncClient, turns: int) -> int:
    """Through the running service: the big session, background ingests, then (once the
    worker has embedded and summarised) replies, and retention. Returns the last reply's
    seq."""
    body = {
        "id": BIG,
        "user_id": "user-0001",
        "metadata": {"app": "support", "tier": 3},
        "policy": {"max_context_tokens": 4000},  # the proxy's regenerate uses the session's
    }
    (await client.post("/v1/sessions", json=body)).raise_for_status()
    history = conversation(turns)
    for i in range(0, turns, 1000):
        batch = {"turns": history[i : i + 1000]}
        (await client.post(f"/v1/sessions/{BIG}/turns", json=batch)).raise_for_status()
    for j in range(2):
        docs = [
            {"external_id": f"runbooks/{j}-{k}.md", "text": f"Runbook {j}.{k}: {RUNBOOK[k]}"}
            for k in range(len(RUNBOOK))
        ]
        r = await client.post(
            "/v1/collections/handbook/documents",
            params={"background": "true"},
            json={"documents": docs},
        )
        r.raise_for_status()
    await wait_idle(client, time.monotonic() + 600)
    for question, budget in (("Where is the deploy checklist?", 2000), (QUESTION, 3000)):
        r = await client.post(
            f"/v1/sessions/{BIG}/chat", json={"message": question, "max_context_tokens": budget}
        )
        r.raise_for_status()
    seq = await _tool_call_and_regenerate(client)
    me = (await client.get("/v1/whoami")).json()
    quota = {"tokens_per_day": 2_000_000, "requests_per_minute": 600}
    (await client.put(f"/v1/quotas/keys/{me['key_id']}", json=quota)).raise_for_status()
    policies = {
        "old-turns": {"turn_max_age_days": 3650, "enabled": True},
        "support-idle": {"session_idle_days": 3650, "scope": {"metadata": {"app": "support"}}},
    }
    for name, policy in policies.items():
        (await client.put(f"/v1/retention-policies/{name}", json=policy)).raise_for_status()
    (await client.post("/v1/retention/run")).raise_for_status()
    return seq


CALL = {
    "id": "call_status_1",
    "type": "function",
    "function": {"name": "service_status", "arguments": '{"service": "deploy"}'},
}
LATEST = "What is the latest on the deploy, and is the checklist still the same?"


async def _tool_call_and_regenerate(client: httpx.AsyncClient) -> int:
    """An agent's tool call (imported: the offline responder calls no tools), a reply, and
    that reply regenerated through the OpenAI-compatible proxy (the same last input
    again), so the newest page shows a superseded reply. Returns the current reply's seq."""
    turns = [
        {"role": "user", "content": "Is the deploy pipeline up?"},
        {"role": "assistant", "content": "Checking.", "metadata": {"tool_calls": [CALL]}},
        {"role": "tool", "content": "deploy: green", "metadata": {"tool_call_id": CALL["id"]}},
        {"role": "assistant", "content": "The deploy pipeline is up (green)."},
    ]
    (await client.post(f"/v1/sessions/{BIG}/turns", json={"turns": turns})).raise_for_status()
    body = {"message": LATEST, "max_context_tokens": 3000}
    (await client.post(f"/v1/sessions/{BIG}/chat", json=body)).raise_for_status()
    again = {"model": "offline", "messages": [{"role": "user", "content": LATEST}]}
    headers = {"X-Session-Id": BIG}
    r = await client.post("/v1/chat/completions", json=again, headers=headers)
    r.raise_for_status()
    return int(r.json()["mcp"]["reply_seq"])


RUNBOOK = (
    "the deploy checklist lives in the release channel; tag, build, canary, then roll out.",
    "on-call hands over on Mondays at 10:00 with a written summary of open incidents.",
    "the support SLA is a first answer within four business hours, fixes within five days.",
    "rotate database credentials every 90 days; the vault keeps the current pair.",
    "cello lessons for the team offsite are booked through the events budget.",
)
QUESTION = "What was our support SLA again, and who hands over on-call?"


def page_calls(reply_seq: int) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """The REST calls each page makes (what the console's JS requests)."""
    today = datetime.now(UTC).date()
    span = {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}
    big = f"/v1/sessions/{BIG}"
    return {
        "sessions": [("/v1/sessions", {"limit": 50, "include": "memory", "order": "recent"})],
        "sessions (search)": [
            (
                "/v1/sessions",
                {
                    "limit": 50,
                    "include": "memory",
                    "order": "recent",
                    "q": "sup",
                    "metadata": '{"tier": 2}',
                },
            )
        ],
        "session (2,000 turns)": [
            (big, {}),
            (f"{big}/turns", {"order": "desc", "limit": 50, "include_superseded": "true"}),
            (f"{big}/summary", {}),
            (f"{big}/turns/{reply_seq}", {}),
        ],
        "knowledge": [("/v1/collections", {}), ("/v1/jobs", {"kind": "ingest", "limit": 20})],
        "collection": [
            ("/v1/collections/handbook/documents", {"limit": 50}),
            ("/v1/jobs", {"kind": "ingest", "limit": 20}),
        ],
        "retention": [("/v1/retention-policies", {}), ("/v1/retention/receipts", {"limit": 50})],
        "usage": [
            ("/v1/usage", {"group_by": "day", **span}),
            ("/v1/usage", {"group_by": "model", "top": 20, **span}),
            ("/v1/usage", {"group_by": "user", "top": 20, **span}),
            ("/v1/jobs/queue", {}),
        ],
        "keys & tenants": [("/v1/tenants", {"limit": 200}), ("/v1/api-keys", {"limit": 200})],
        "audit & quotas": [
            ("/v1/quotas", {}),
            ("/v1/audit", {"limit": 50}),
            ("/v1/api-keys", {"limit": 200}),
        ],
    }


ROUTES = {
    "sessions": "#/sessions",
    "sessions (search)": "#/sessions?q=sup&metadata=tier%3D2&order=recent",
    "session (2,000 turns)": f"#/sessions/{BIG}",
    "knowledge": "#/knowledge",
    "collection": "#/knowledge/handbook",
    "retention": "#/retention",
    "usage": "#/usage",
    "keys & tenants": "#/admin",
    "audit & quotas": "#/audit",
}
SHOTS = {
    "sessions": "sessions",
    "session (2,000 turns)": "session",
    "knowledge": "knowledge",
    "collection": "collection",
    "retention": "retention",
    "usage": "usage",
    "keys & tenants": "keys",
    "audit & quotas": "audit",
}


async def time_api(
    client: httpx.AsyncClient, calls: list[tuple[str, dict[str, Any]]], runs: int
) -> list[dict[str, Any]]:
    out = []
    for path, params in calls:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            r = await client.get(path, params=params)
            samples.append((time.perf_counter() - started) * 1000)
            r.raise_for_status()
        out.append({"call": path, **percentiles(samples)})
    return out


# When the page's own HTML, CSS and scripts were in (DOMContentLoaded), before any data.
SHELL_READY = "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
# The last load's requests: [what, start ms, end ms] (where the time went).
TRACE = """[["page", 0, performance.getEntriesByType('navigation')[0].responseEnd],
  ...performance.getEntriesByType('resource').map(
    e => [e.name.replace(location.origin, ''), e.startTime, e.responseEnd]),
  ["ready", window.__consoleTimings.at(-1).at, window.__consoleTimings.at(-1).at]]
  .map(([n, a, b]) => [n, Math.round(a), Math.round(b)])"""


async def _before_shot(page: Any, name: str) -> None:
    """Use the page a little, so that its picture shows what the buttons do."""
    if name == "collection":
        await page.fill("form.search input[name=query]", "support SLA first answer")
        await page.click("form.search button[type=submit]")
        await page.locator(".hits .hit").first.wait_for(timeout=30_000)
    elif name.startswith("session "):  # the newest turns: a tool call, a superseded reply
        await page.locator(".turn").last.scroll_into_view_if_needed()
    elif name == "retention":
        buttons = await page.locator("button.dry-run-button").all()
        for button in buttons:
            await button.click()
        await page.locator(".dry-run").nth(len(buttons) - 1).wait_for(timeout=30_000)


async def time_pages(url: str, key: str, runs: int, shots: Path | None) -> dict[str, Any]:
    from playwright.async_api import async_playwright  # a dev dependency

    out: dict[str, Any] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        await context.add_init_script(f"sessionStorage.setItem('mcp-console-key', {key!r})")
        for name, route in ROUTES.items():
            page = await context.new_page()  # a new tab: the first load asks who the key is
            samples: list[float] = []
            shell: list[float] = []
            for i in range(runs + 1):
                if i:
                    await page.goto("about:blank")
                await page.goto(f"{url}/console/{route}")
                await page.locator("html[data-ready='1']").wait_for(
                    state="attached", timeout=30_000
                )
                if await page.get_attribute("html", "data-error") == "1":
                    raise RuntimeError(f"{name}: {await page.locator('main').inner_text()}")
                timings = await page.evaluate("window.__consoleTimings")
                samples.append(float(timings[-1]["at"]))
                shell.append(float(await page.evaluate(SHELL_READY)))
            trace = await page.evaluate(TRACE)
            if shots and name in SHOTS:
                await _before_shot(page, name)
                await page.screenshot(path=str(shots / f"{SHOTS[name]}.png"))
            await page.close()
            out[name] = {
                "new_tab_ms": round(samples[0], 1),
                **percentiles(samples[1:]),
                "shell_p50": percentiles(shell[1:])["p50"],
                "last_load": trace,
            }
        await browser.close()
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mcp-bench-console-") as tmp:
        async with scratch_database(args.database_url) as db_url:
            settings = Settings(
                data_dir=Path(tmp), database_url=db_url, auth="required", worker_enabled=False,
                _env_file=None,
            )  # fmt: skip
            started = time.perf_counter()
            key = await seed_direct(settings, args.sessions, args.seed)
            seeded_s = time.perf_counter() - started
            port = _free_port()
            env = _clean_env() | {
                "MCP_DATA_DIR": tmp, "MCP_AUTH": "required", "MCP_RATE_LIMIT_PER_MINUTE": "0",
                "MCP_WORKER_ENABLED": "true", "MCP_LOG_LEVEL": "WARNING",
            }  # fmt: skip
            if db_url:
                env["MCP_DATABASE_URL"] = db_url
            log = Path(tmp) / "service.log"
            service = start_service(Path(tmp), env, port, log)
            url = f"http://127.0.0.1:{port}"
            try:
                await _wait_ready(service, url, log)
                headers = {"Authorization": f"Bearer {key}"}
                async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as client:
                    reply = await seed_live(client, args.turns)
                    await wait_idle(client, time.monotonic() + 600)  # the replies' jobs
                    api = {
                        name: await time_api(client, calls, args.runs)
                        for name, calls in page_calls(reply).items()
                    }
                shots = Path(args.screenshots) if args.screenshots else None
                if shots:
                    shots.mkdir(parents=True, exist_ok=True)
                pages = await time_pages(url, key, args.runs, shots)
            finally:
                _stop(service)
    return {
        "machine": machine(),
        "database": "postgresql" if args.database_url else "sqlite",
        "sessions": args.sessions,
        "big_session_turns": args.turns,
        "runs": args.runs,
        "seed_s": round(seeded_s, 1),
        "pages_ms": pages,
        "api_ms": api,
    }


def print_table(out: dict[str, Any]) -> None:
    print(
        f"console on {out['database']}: {out['sessions']:,} sessions, a "
        f"{out['big_session_turns']:,}-turn session; {out['runs']} loads per page "
        f"({out['machine']['cores']} cores)"
    )
    print(f"{'page':24} {'new tab':>8} {'p50':>8} {'p95':>8} {'shell':>8}   REST calls (p50)")
    for name, t in out["pages_ms"].items():
        calls = " + ".join(f"{c['p50']:.1f}" for c in out["api_ms"][name])
        print(
            f"{name:24} {t['new_tab_ms']:>6.0f}ms {t['p50']:>6.0f}ms {t['p95']:>6.0f}ms"
            f" {t['shell_p50']:>6.0f}ms   {calls} ms"
        )


def main(argv: list[str]) -> int:
    parser = bench_parser("console", __doc__)
    add_database_url(parser)
    parser.add_argument("--sessions", type=int, default=10_000, help="sessions in the tenant")
    parser.add_argument("--turns", type=int, default=2000, help="turns in the big session")
    parser.add_argument("--runs", type=int, default=10, help="loads per page")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--screenshots", default=None, help="save one PNG per page here")
    args = parser.parse_args(argv)
    return report(asyncio.run(run(args)), args.json, print_table, indent=2)
