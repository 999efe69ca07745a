"""Context quality and assembly latency: `scripts/bench context [--json] [--database-url URL]`.

Quality: long synthetic sessions with planted facts (see context_data.py) are imported
with timestamps through the API; background memory catches up (embeddings, summaries);
then each question is asked through `POST /v1/sessions/{id}/context` at several budgets
and strategies. Evidence recall = share of questions whose evidence (the current value
of the fact) is in the assembled context. The baseline is `truncate` without recall:
the most recent turns that fit the same budget (a sliding window sized by tokens).

Latency: `/context` on a 2,000-turn session with recall and RAG on, through the ASGI app
in process (so HTTP parsing and validation are included, the network is not).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from benchmarks._measure import add_database_url, bench_parser, report
from benchmarks.context_data import FILLER_ASSISTANT, FILLER_USER, Question, generate
from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings

STRATEGIES: dict[str, dict[str, Any]] = {
    "engine (summarize+recall)": {"strategy": "summarize", "recall": True},
    "truncate, no recall (baseline)": {"strategy": "truncate", "recall": False},
    "sliding_window 20 turns": {"strategy": "sliding_window", "window_turns": 20, "recall": False},
}
BUDGETS = (1000, 2000, 4000)


async def import_sessions(client: httpx.AsyncClient, scripts: Sequence[Any]) -> None:
    for script in scripts:
        r = await client.post(
            "/v1/sessions", json={"id": script.session_id, "user_id": script.user_id}
        )
        r.raise_for_status()
        turns = [
            {"role": role, "content": text, "created_at": when.isoformat()}
            for role, text, when in script.turns
        ]
        for i in range(0, len(turns), 500):
            r = await client.post(
                f"/v1/sessions/{script.session_id}/turns", json={"turns": turns[i : i + 500]}
            )
            r.raise_for_status()


async def ask(client: httpx.AsyncClient, q: Question, budget: int) -> tuple[bool, bool]:
    r = await client.post(
        f"/v1/sessions/{q.session_id}/context",
        json={"message": q.text, "max_context_tokens": budget},
    )
    r.raise_for_status()
    body = r.json()
    context_text = "\n".join(m["content"] for m in body["messages"][:-1])
    sections = body["report"]["sections"]
    seqs = set(sections["recent"]["included"])
    seqs |= {x["seq"] for x in sections["recall"]["included"] if x["session_id"] == q.session_id}
    return q.answer in context_text, q.evidence_seq in seqs


async def quality(client: httpx.AsyncClient, c: Container, seed: int) -> dict[str, Any]:
    scripts, questions = generate(seed=seed)
    await import_sessions(client, scripts)
    await c.worker.run_until_idle()
    results: dict[str, Any] = {}
    for name, policy in STRATEGIES.items():
        for s in scripts:
            (
                await client.patch(f"/v1/sessions/{s.session_id}", json={"policy": policy})
            ).raise_for_status()
        for budget in BUDGETS:
            hits = [await ask(client, q, budget) for q in questions]
            changed = [h for (h, _), q in zip(hits, questions, strict=True) if q.changed]
            results[f"{name} @ {budget}"] = {
                "strategy": name,
                "budget": budget,
                "questions": len(questions),
                "evidence_recall": round(sum(h for h, _ in hits) / len(hits), 3),
                "evidence_turn_recall": round(sum(t for _, t in hits) / len(hits), 3),
                "changed_facts": len(changed),
                "changed_fact_recall": round(sum(changed) / len(changed), 3) if changed else None,
                "misses": [
                    {
                        "question": q.text,
                        "answer": q.answer,
                        "kind": q.kind,
                        "session": q.session_id,
                        "evidence_seq": q.evidence_seq,
                    }
                    for (h, _), q in zip(hits, questions, strict=True)
                    if not h
                ],
            }
    return results


async def latency(
    client: httpx.AsyncClient, c: Container, turns: int, queries: int
) -> dict[str, Any]:
    sid = "latency-session"
    batch = []
    for i in range(turns):
        text = (
            FILLER_USER[i % len(FILLER_USER)]
            if i % 2 == 0
            else FILLER_ASSISTANT[i % len(FILLER_ASSISTANT)]
        )
        batch.append({"role": "user" if i % 2 == 0 else "assistant", "content": f"{text} ({i})"})
    for i in range(0, turns, 1000):
        (
            await client.post(f"/v1/sessions/{sid}/turns", json={"turns": batch[i : i + 1000]})
        ).raise_for_status()
    docs = [
        {
            "external_id": f"doc-{i}",
            "title": f"Note {i}",
            "text": f"Reference note {i}: {FILLER_USER[i % len(FILLER_USER)]} " * 8,
        }
        for i in range(200)
    ]
    (
        await client.post("/v1/collections/notes/documents", json={"documents": docs})
    ).raise_for_status()
    await c.worker.run_until_idle()
    questions = [FILLER_USER[(i * 7) % len(FILLER_USER)] for i in range(queries)]
    for q in questions[:5]:  # warm caches and code paths
        await client.post(f"/v1/sessions/{sid}/context", json={"message": q})
    timings = []
    for q in questions:
        t0 = time.perf_counter()
        r = await client.post(
            f"/v1/sessions/{sid}/context", json={"message": q, "max_context_tokens": 2000}
        )
        timings.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
    report = r.json()["report"]["sections"]
    timings.sort()
    return {
        "session_turns": turns,
        "queries": queries,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "recall_items": len(report["recall"]["included"]),
        "knowledge_items": len(report["knowledge"]["included"]),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            database_url=args.database_url,
            auth="disabled",
            worker_enabled=False,
            _env_file=None,
        )  # type: ignore[call-arg]
        c = await build_container(settings, run_migrations=True)
        app = create_app(settings, c)
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", timeout=120
            ) as client:
                out: dict[str, Any] = {
                    "cores": os.cpu_count(),
                    "database": "postgresql" if args.database_url else "sqlite",
                }
                if not args.skip_quality:
                    out["quality"] = await quality(client, c, args.seed)
                if not args.skip_latency:
                    out["latency"] = await latency(client, c, args.turns, args.queries)
                return out
        finally:
            await c.aclose()


def print_table(out: dict[str, Any]) -> None:
    print(f"machine: {out['cores']} cores · database: {out['database']}")
    if "quality" in out:
        print(f"\n{'strategy':34} {'budget':>6} {'evidence recall':>16} {'turn recall':>12}")
        for row in out["quality"].values():
            print(
                f"{row['strategy']:34} {row['budget']:>6} {row['evidence_recall']:>16.3f} "
                f"{row['evidence_turn_recall']:>12.3f}"
            )
    if "latency" in out:
        lat = out["latency"]
        print(
            f"\n/context on a {lat['session_turns']}-turn session (recall + RAG on, "
            f"budget 2000): p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms "
            f"over {lat['queries']} queries"
        )


def main(argv: list[str]) -> int:
    parser = bench_parser("context", __doc__)
    add_database_url(parser)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args(argv)
    return report(asyncio.run(run(args)), args.json, print_table)
