"""Context quality against naive baselines, and assembly latency: `scripts/bench context`.

Quality. Long multi-session conversations between two named people (benchmarks/
conversations/: months of sessions, mostly small talk, facts said once in passing,
facts that change, look-alike events on other dates, multi-hop and temporal questions,
paraphrases; deterministic from `--seed`) are imported through the API with their
timestamps and speaker names; background memory catches up; then every question is put,
at budgets of 1,000 / 2,000 / 4,000 tokens, to
  - the engine: `POST /v1/sessions/{id}/context` with the default policy;
  - the engine without its rolling summary (`strategy: truncate`, recall on);
  - the sliding window: `strategy: truncate` without recall (the newest turns that fit);
  - dense fill: every turn embedded with the bundled model, the most similar turns fill
    the same room (`[date time] Speaker: text` lines);
  - BM25 fill: the same with Okapi BM25.
The room the baselines fill is the budget less exactly what the engine spends on the
system prompt and the question. Evidence recall = the share of a question's evidence
turns whose text is in the assembled messages (the question itself left out), averaged
over the answerable questions; reported overall and per question type. Answer recall =
the share whose answer's words appear anywhere in the context (dates excepted): what the
rolling summary can add, since it paraphrases rather than quotes turns. For the
unanswerable ("unrelated") questions the engine reports how many tokens recall spent.

Latency. `/context` on a 2,000-turn session with recall and RAG on, through the ASGI app
in process, for the default policy and, in the same run, for `truncate` without recall
(the cheapest path) as the yardstick.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from benchmarks import _baselines as base
from benchmarks._measure import add_database_url, bench_parser, report
from benchmarks.conversations.generate import generate
from benchmarks.conversations.model import Conversation, Question
from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings

BUDGETS = (1000, 2000, 4000)
ENGINES: dict[str, dict[str, Any]] = {
    "engine": {},
    "engine, no summary": {"strategy": "truncate"},
    "sliding window": {"strategy": "truncate", "recall": False},
}
BASELINES = ("dense fill", "bm25 fill")


async def import_conversations(client: httpx.AsyncClient, convs: Sequence[Conversation]) -> None:
    """Each conversation becomes a session: the first speaker as `user`, the second as
    `assistant`, both with their names and the lines' timestamps."""
    for conv in convs:
        a = conv.speakers[0]
        turns = [
            {
                "role": "user" if ln.speaker == a else "assistant",
                "name": ln.speaker,
                "content": ln.text,
                "created_at": ln.when.isoformat(),
            }
            for ln in conv.lines
        ]
        for i in range(0, len(turns), 500):
            r = await client.post(
                f"/v1/sessions/{conv.id}/turns", json={"turns": turns[i : i + 500]}
            )
            r.raise_for_status()


def _miss(q: Question, conv: Conversation, budget: int, rep: dict[str, Any]) -> dict[str, Any]:
    """What a developer needs to see why the engine missed: the question, its evidence
    turns, and what recall included (seq and score) and steered by."""
    s = rep["sections"]
    return {
        "budget": budget,
        "kind": q.kind,
        "question": q.text,
        "evidence": {seq: conv.lines[seq - 1].text for seq in q.evidence},
        "recall": {k: s["recall"].get(k) for k in ("tokens", "allocated", "status", "cues")},
        "recalled": [(x["seq"], x["score"]) for x in s["recall"]["included"]],
        "recent": s["recent"]["included"],
    }


def evidence_recall(q: Question, conv: Conversation, context: str) -> float:
    texts = [conv.lines[s - 1].text for s in q.evidence]
    return sum(t in context for t in texts) / len(texts)


def answer_found(q: Question, context: str) -> bool | None:
    """Whether the answer's words are in the context (None where the answer is a date the
    context can only imply, or there is none)."""
    if not q.answer or q.kind == "temporal_when":
        return None
    return all(part.strip().lower() in context.lower() for part in q.answer.split(","))


async def ask_engine(
    client: httpx.AsyncClient, conv: Conversation, q: Question, budget: int
) -> tuple[float, dict[str, Any]]:
    r = await client.post(
        f"/v1/sessions/{conv.id}/context", json={"message": q.text, "max_context_tokens": budget}
    )
    r.raise_for_status()
    body = r.json()
    context = "\n".join(m["content"] for m in body["messages"][:-1])
    score = evidence_recall(q, conv, context) if q.evidence else 0.0
    return score, {**body["report"], "answer_found": answer_found(q, context)}


async def set_policy(client: httpx.AsyncClient, convs: Sequence[Conversation], policy: Any) -> None:
    for conv in convs:
        r = await client.patch(f"/v1/sessions/{conv.id}", json={"policy": policy})
        r.raise_for_status()


async def quality(
    client: httpx.AsyncClient, c: Container, seed: int, limit: int, misses: Path | None = None
) -> dict[str, Any]:
    convs, questions = generate(seed=seed, conversations=limit)
    by_id = {conv.id: conv for conv in convs}
    await import_conversations(client, convs)
    await c.worker.run_until_idle()
    scores: dict[tuple[str, int], list[tuple[Question, float]]] = defaultdict(list)
    mandatory: dict[tuple[int, int], int] = {}
    unrelated_recall: dict[int, list[int]] = defaultdict(list)
    missed: list[dict[str, Any]] = []
    answers: dict[tuple[str, int], list[bool | None]] = defaultdict(list)
    for name, policy in ENGINES.items():
        await set_policy(client, convs, policy)
        for i, q in enumerate(questions):
            conv = by_id[q.conversation]
            c.deps.now = lambda conv=conv: conv.asked_at  # questions come after the chat
            for budget in BUDGETS:
                score, rep = await ask_engine(client, conv, q, budget)
                scores[(name, budget)].append((q, score))
                answers[(name, budget)].append(rep["answer_found"])
                recalled_any = bool(rep["sections"]["recall"]["included"])
                wrong = score < 1 if q.evidence else recalled_any
                if name == "engine" and misses is not None and wrong:
                    missed.append(_miss(q, conv, budget, rep))
                if name == "engine":
                    s = rep["sections"]
                    mandatory[(i, budget)] = (
                        s["system"]["tokens"] + s["message"]["tokens"] + rep["prompt_overhead"]
                    )
                    if not q.evidence:
                        unrelated_recall[budget].append(s["recall"]["tokens"])
    if misses is not None:
        misses.write_text("\n".join(json.dumps(m) for m in missed) + "\n")  # noqa: ASYNC240
    await baselines(c, convs, questions, mandatory, scores, answers)
    turns = sum(len(x.lines) for x in convs)
    return summarise(scores, answers, unrelated_recall, len(convs), turns)


async def baselines(
    c: Container,
    convs: Sequence[Conversation],
    questions: Sequence[Question],
    mandatory: dict[tuple[int, int], int],
    scores: dict[tuple[str, int], list[tuple[Question, float]]],
    answers: dict[tuple[str, int], list[bool | None]],
) -> None:
    counter = c.deps.counter
    overhead = counter.message_overhead()
    prepared = {}
    for conv in convs:
        lines = [base.line(ln.when, ln.speaker, ln.text) for ln in conv.lines]
        vectors = await c.deps.embedder.embed([ln.text for ln in conv.lines])
        matrix = base.normalised(np.asarray(vectors, dtype=np.float32))
        prepared[conv.id] = (conv, lines, matrix, base.Bm25([ln.text for ln in conv.lines]))
    cost_cache: dict[str, int] = {}

    def cost(text: str) -> int:
        if text not in cost_cache:
            cost_cache[text] = counter.count(text)
        return cost_cache[text]

    for i, q in enumerate(questions):
        conv, lines, matrix, bm25 = prepared[q.conversation]
        dense = base.dense_scores(matrix, await c.deps.embedder.embed_query(q.text))
        lexical = bm25.scores(q.text)
        for budget in BUDGETS:
            room = budget - mandatory[(i, budget)] - overhead
            for name, ranking in (("dense fill", dense), ("bm25 fill", lexical)):
                context = "\n".join(base.fill(lines, ranking, cost, room))
                score = evidence_recall(q, conv, context) if q.evidence else 0.0
                scores[(name, budget)].append((q, score))
                answers[(name, budget)].append(answer_found(q, context))


def summarise(
    scores: dict[tuple[str, int], list[tuple[Question, float]]],
    answers: dict[tuple[str, int], list[bool | None]],
    unrelated_recall: dict[int, list[int]],
    conversations: int,
    turns: int,
) -> dict[str, Any]:
    rows = []
    for (name, budget), results in scores.items():
        answerable = [(q, s) for q, s in results if q.evidence]
        kinds: dict[str, list[float]] = defaultdict(list)
        for q, s in answerable:
            kinds[q.kind].append(s)
        found = [a for a in answers[(name, budget)] if a is not None]
        rows.append(
            {
                "method": name,
                "budget": budget,
                "evidence_recall": round(statistics.fmean(s for _, s in answerable), 3),
                "answer_recall": round(sum(found) / len(found), 3) if found else None,
                "by_kind": {k: round(statistics.fmean(v), 3) for k, v in sorted(kinds.items())},
            }
        )
    counts: dict[str, int] = defaultdict(int)
    for q, _ in next(iter(scores.values())):
        counts[q.kind] += 1
    return {
        "conversations": conversations,
        "turns": turns,
        "questions": dict(counts),
        "rows": rows,
        "unrelated_recall_tokens_p50": {
            b: statistics.median(v) for b, v in sorted(unrelated_recall.items())
        },
    }


async def latency(
    client: httpx.AsyncClient, c: Container, turns: int, queries: int
) -> dict[str, Any]:
    convs, questions = generate(seed=99, conversations=4)
    sid = "latency-session"
    lines = [ln for conv in convs for ln in conv.lines][:turns]
    batch = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": ln.text, "name": ln.speaker}
        for i, ln in enumerate(lines)
    ]
    for i in range(0, len(batch), 1000):
        r = await client.post(f"/v1/sessions/{sid}/turns", json={"turns": batch[i : i + 1000]})
        r.raise_for_status()
    docs = [
        {
            "external_id": f"doc-{i}",
            "title": f"Note {i}",
            "text": " ".join(ln.text for ln in lines[i * 8 : i * 8 + 8]),
        }
        for i in range(200)
    ]
    r = await client.post("/v1/collections/notes/documents", json={"documents": docs})
    r.raise_for_status()
    await c.worker.run_until_idle()
    asked = [q.text for q in questions if q.evidence][:queries]
    out: dict[str, Any] = {"session_turns": len(lines), "queries": len(asked)}
    for name, policy in (
        ("engine", {}),
        ("truncate, no recall", {"strategy": "truncate", "recall": False}),
    ):
        (await client.patch(f"/v1/sessions/{sid}", json={"policy": policy})).raise_for_status()
        for text in asked[:5]:  # warm caches and code paths
            await client.post(f"/v1/sessions/{sid}/context", json={"message": text})
        timings = []
        for text in asked:
            t0 = time.perf_counter()
            r = await client.post(
                f"/v1/sessions/{sid}/context", json={"message": text, "max_context_tokens": 2000}
            )
            timings.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
        timings.sort()
        out[name] = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        }
    out["engine_vs_cheapest_p50"] = round(
        out["engine"]["p50_ms"] / out["truncate, no recall"]["p50_ms"], 2
    )
    return out


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
                    "seed": args.seed,
                }
                if not args.skip_quality:
                    out["quality"] = await quality(
                        client, c, args.seed, args.conversations, args.dump_misses
                    )
                if not args.skip_latency:
                    out["latency"] = await latency(client, c, args.turns, args.queries)
                return out
        finally:
            await c.aclose()


KIND_ORDER = (
    "single_hop",
    "paraphrase",
    "changed_fact",
    "multi_hop",
    "temporal_when",
    "temporal_range",
    "temporal_relative",
    "recent_followup",
)


def print_table(out: dict[str, Any]) -> None:
    print(f"machine: {out['cores']} cores · database: {out['database']} · seed {out['seed']}")
    if "quality" in out:
        qual = out["quality"]
        total = sum(v for k, v in qual["questions"].items())
        print(
            f"\n{qual['conversations']} conversations, {qual['turns']} turns, {total} questions: "
            + ", ".join(f"{k} {v}" for k, v in sorted(qual["questions"].items()))
        )
        kinds = [k for k in KIND_ORDER if k in qual["questions"]]
        head = "".join(f"{k[:9]:>10}" for k in kinds)
        print(f"\n{'method':20} {'budget':>6} {'recall':>7} {'answer':>7}{head}")
        rows = sorted(qual["rows"], key=lambda r: (r["budget"], _method_order(r["method"])))
        for row in rows:
            cells = "".join(f"{row['by_kind'].get(k, float('nan')):>10.3f}" for k in kinds)
            answer = row["answer_recall"] or float("nan")
            print(
                f"{row['method']:20} {row['budget']:>6} {row['evidence_recall']:>7.3f} "
                f"{answer:>7.3f}{cells}"
            )
        spent = qual["unrelated_recall_tokens_p50"]
        print(f"\nrecall tokens on unrelated questions (p50 by budget): {spent}")
    if "latency" in out:
        lat = out["latency"]
        print(
            f"\n/context on a {lat['session_turns']}-turn session (recall + RAG on, budget 2000), "
            f"{lat['queries']} queries: engine p50 {lat['engine']['p50_ms']} ms / p95 "
            f"{lat['engine']['p95_ms']} ms; truncate without recall p50 "
            f"{lat['truncate, no recall']['p50_ms']} ms (ratio {lat['engine_vs_cheapest_p50']})"
        )


def _method_order(name: str) -> int:
    order = [*ENGINES, *BASELINES]
    return order.index(name) if name in order else len(order)


def main(argv: list[str]) -> int:
    parser = bench_parser("context", __doc__)
    add_database_url(parser)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--conversations", type=int, default=12)
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument(
        "--dump-misses", type=Path, help="write the engine's misses (JSON lines) to this file"
    )
    args = parser.parse_args(argv)
    return report(asyncio.run(run(args)), args.json, print_table)
