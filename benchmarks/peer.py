"""Our context assembly vs. LlamaIndex `Memory`: `scripts/bench peer [--json] [...]`.

The same synthetic conversations and questions as `scripts/bench context`
(benchmarks/conversations/: months of sessions between two named people, facts said in
passing, changed facts, look-alikes, multi-hop and temporal questions) go, in one
process and one run, into
  - ours: turns imported through the API (ASGI in process, so HTTP parsing is included
    and the network is not), the worker run until idle (turn embeddings, summaries),
    then `POST /v1/sessions/{id}/context {message, max_context_tokens}` per question;
  - LlamaIndex `Memory` (llama-index-core, set up as described in benchmarks/_llama.py:
    same embedding model instance, same tokenizer, token_limit = the same budget, SQLite
    chat store, vector memory block): the turns put per exchange, then
    `await memory.aget(input=question)` per question.
Both only read at question time. Evidence recall = the share of a question's evidence
turns whose text is in the assembled context (the question itself left out), averaged
over the answerable questions. Latency = wall time of one assembly, `--questions` timed
assemblies per system and budget, cycling through the questions, the two systems
alternating (order flipped every round) so that both see the same machine load.
Speed-up = LlamaIndex ÷ ours.

llama-index-core is an optional extra (`pip install -e ".[bench]"`); scripts/bench
installs it on demand.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks._measure import bench_parser, machine, parse_metrics, percentiles, report
from benchmarks.context import evidence_recall, import_conversations
from benchmarks.conversations.generate import generate
from benchmarks.conversations.model import Conversation, Question
from mcp_service.adapters.embedder import MicroBatchingEmbedder
from mcp_service.api.app import create_app
from mcp_service.bootstrap import build_container
from mcp_service.config import Settings

WARMUP = 3


class Ours:
    name = "ours"

    def __init__(self, client: httpx.AsyncClient, budget: int) -> None:
        self.client = client
        self.budget = budget

    async def assemble(self, q: Question) -> tuple[str, int]:
        r = await self.client.post(
            f"/v1/sessions/{q.conversation}/context",
            json={"message": q.text, "max_context_tokens": self.budget},
        )
        r.raise_for_status()
        body = r.json()
        text = "\n".join(m["content"] for m in body["messages"][:-1])
        return text, int(body["report"]["total_tokens"])


class Llama:
    name = "llamaindex"

    def __init__(self, memories: dict[str, Any], encode: Any) -> None:
        self.memories = memories
        self.encode = encode

    async def assemble(self, q: Question) -> tuple[str, int]:
        from benchmarks._llama import context_text

        messages = await self.memories[q.conversation].aget(input=q.text)
        text = context_text(messages)
        return text, len(self.encode(text))


async def llama_memories(
    convs: list[Conversation],
    embedder: MicroBatchingEmbedder,
    db: Path,
    budget: int,
    top_k: int,
) -> dict[str, Any]:
    from llama_index.core.storage.chat_store.sql import SQLAlchemyChatStore

    from benchmarks._llama import chat_message, configure, make_memory

    embedding = configure(embedder)
    store = SQLAlchemyChatStore(
        table_name=f"llama_index_memory_{budget}", async_database_uri=f"sqlite+aiosqlite:///{db}"
    )
    memories = {}
    for conv in convs:
        memory = make_memory(conv.id, store, embedding, budget, top_k)
        roles = ["user" if ln.speaker == conv.speakers[0] else "assistant" for ln in conv.lines]
        for i in range(0, len(conv.lines), 2):  # one exchange at a time, as a chat would
            await memory.aput_messages(
                [
                    chat_message(role, f"{ln.speaker}: {ln.text}")
                    for role, ln in zip(roles[i : i + 2], conv.lines[i : i + 2], strict=True)
                ]
            )
        memories[conv.id] = memory
    return memories


async def measure(
    systems: list[Any], questions: list[Question], convs: dict[str, Conversation], timed: int
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for system in systems:
        hits, tokens = [], []
        for q in questions:  # evidence recall: every question once
            text, n = await system.assemble(q)
            hits.append(evidence_recall(q, convs[q.conversation], text))
            tokens.append(n)
        for q in questions[:WARMUP]:
            await system.assemble(q)
        out[system.name] = {
            "evidence_recall": round(sum(hits) / len(hits), 3),
            "changed_fact_recall": _changed(hits, questions),
            "mean_tokens": round(sum(tokens) / len(tokens)),
            "samples": [],
        }
    for i in range(timed):
        q = questions[i % len(questions)]
        order = systems if (i // len(questions)) % 2 == 0 else systems[::-1]
        for system in order:
            started = time.perf_counter()
            await system.assemble(q)
            out[system.name]["samples"].append((time.perf_counter() - started) * 1000)
    for row in out.values():
        row["latency_ms"] = percentiles(row.pop("samples"))
    return out


def stage_means(before: dict[str, float], after: dict[str, float]) -> dict[str, float | None]:
    """Mean ms of our assembly stages (gather = database reads; search = the query
    embedding and both vector searches; assemble = budgeting) from the service metrics."""
    out: dict[str, float | None] = {}
    for stage in ("gather", "search", "assemble"):
        key = f'mcp_context_assembly_seconds_{{}}{{{{stage="{stage}"}}}}'
        n = after.get(key.format("count"), 0) - before.get(key.format("count"), 0)
        spent = after.get(key.format("sum"), 0) - before.get(key.format("sum"), 0)
        out[stage] = round(spent / n * 1000, 2) if n else None
    return out


def _changed(hits: list[float], questions: list[Question]) -> float | None:
    changed = [h for h, q in zip(hits, questions, strict=True) if q.kind == "changed_fact"]
    return round(sum(changed) / len(changed), 3) if changed else None


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks._llama import tokenizer

    convs, asked = generate(seed=args.seed, conversations=args.conversations)
    questions = [q for q in asked if q.evidence]
    by_id = {conv.id: conv for conv in convs}
    budgets = [int(b) for b in args.budgets.split(",")]
    with tempfile.TemporaryDirectory(prefix="mcp-peer-") as tmp:
        settings = Settings(
            data_dir=Path(tmp), auth="disabled", worker_enabled=False, _env_file=None
        )
        c = await build_container(settings, run_migrations=True)
        transport = httpx.ASGITransport(app=create_app(settings, c))
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", timeout=120
            ) as client:
                started = time.perf_counter()
                await import_conversations(client, convs)
                await c.worker.run_until_idle()
                ingest = {"ours_s": round(time.perf_counter() - started, 1)}
                assert isinstance(c.deps.embedder, MicroBatchingEmbedder)
                rows = []
                for budget in budgets:
                    started = time.perf_counter()
                    memories = await llama_memories(
                        convs, c.deps.embedder, Path(tmp) / "llama.sqlite3", budget, args.top_k
                    )
                    ingest[f"llamaindex_{budget}_s"] = round(time.perf_counter() - started, 1)
                    systems = [Ours(client, budget), Llama(memories, tokenizer())]
                    before = parse_metrics(c.metrics.exposition().decode())
                    result = await measure(systems, questions, by_id, args.questions)
                    after = parse_metrics(c.metrics.exposition().decode())
                    result["ours"]["stages_ms"] = stage_means(before, after)
                    ours, llama = result["ours"]["latency_ms"], result["llamaindex"]["latency_ms"]
                    rows.append({
                        "budget": budget,
                        **result,
                        "speedup_p50": round(llama["p50"] / ours["p50"], 2),
                        "speedup_p95": round(llama["p95"] / ours["p95"], 2),
                    })  # fmt: skip
        finally:
            await c.aclose()
    return {
        "benchmark": "peer",
        "machine": machine(),
        "llama_index_core": _llama_version(),
        "sessions": len(convs),
        "turns": sum(len(conv.lines) for conv in convs),
        "questions": len(questions),
        "timed_per_system": args.questions,
        "llamaindex_top_k": args.top_k,
        "ingest_s": ingest,
        "budgets": rows,
    }


def _llama_version() -> str:
    from importlib.metadata import version

    return version("llama-index-core")


def print_table(out: dict[str, Any]) -> None:
    m = out["machine"]
    print(
        f"machine: {m['cores']} cores ({m['cpu']}) · llama-index-core {out['llama_index_core']} · "
        f"{out['sessions']} conversations, {out['turns']} turns, "
        f"{out['questions']} questions, {out['timed_per_system']} timed assemblies per system "
        f"and budget · ingest {out['ingest_s']}"
    )
    print(
        f"\n{'budget':>6} {'system':11} {'p50 ms':>8} {'p95 ms':>8} {'evidence recall':>16} "
        f"{'changed facts':>14} {'mean tokens':>12}"
    )
    for row in out["budgets"]:
        for name in ("ours", "llamaindex"):
            r = row[name]
            lat = r["latency_ms"]
            changed = "-" if r["changed_fact_recall"] is None else r["changed_fact_recall"]
            print(
                f"{row['budget']:>6} {name:11} {lat['p50']:>8} {lat['p95']:>8} "
                f"{r['evidence_recall']:>16} {changed:>14} {r['mean_tokens']:>12}"
            )
        print(
            f"{'':>6} speed-up (LlamaIndex ÷ ours): p50 {row['speedup_p50']}×, "
            f"p95 {row['speedup_p95']}× · our stages, mean ms: {row['ours']['stages_ms']}"
        )


def main(argv: list[str]) -> int:
    parser = bench_parser("peer", __doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--conversations", type=int, default=4)
    parser.add_argument(
        "--questions",
        type=int,
        default=150,
        help="timed assemblies per system and budget (cycling the questions)",
    )
    parser.add_argument("--budgets", default="2000", help="max_context_tokens, comma-separated")
    parser.add_argument(
        "--top-k",
        type=int,
        default=2,
        help="VectorMemoryBlock.similarity_top_k (LlamaIndex default 2)",
    )
    args = parser.parse_args(argv)
    return report(asyncio.run(run(args)), args.json, print_table)
