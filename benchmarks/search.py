"""Search latency at scale and retrieval quality: `scripts/bench search [--json] [...]`.

Latency: `--chunks` synthetic chunks (random unit vectors, BM25 over random prose) go
straight into a Qdrant Edge store; queries go through `QdrantEdgeStore.search_chunks`
filtered by tenant and collection, with precomputed query vectors, so the number is the
search alone (no query embedding). Layouts: `single` puts every chunk in the queried
tenant's collection (the filter keeps all of them: the hard case); `spread` spreads them
over 10 tenants × 5 collections.

Each layout is timed as loaded (Qdrant Edge scans the filtered points) and again after
`QdrantEdgeStore.optimize()` has built the HNSW index (what `mcp-service ingest` and
`mcp-service index` do on the embedded store).

Quality: look-alike support tickets that differ only in exact terms (ticket codes,
names, part numbers, invoice numbers), and 60 runbooks that differ only by an error code
("what to do about ERR-2533"), are ingested with the bundled model; top-1, recall@5 and
MRR of dense, lexical, hybrid and hybrid+MMR on questions naming one of those terms.
Unrelated messages ("Hi, I am Dana from QA.") are searched too: the best score each mode
gives them, against the best score of the questions that have an answer, is what the
knowledge section's relevance floor is chosen from.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._corpus import (
    UNRELATED_QUERIES,
    Query,
    Record,
    queries,
    records,
    runbook_queries,
    runbooks,
)
from benchmarks._measure import bench_parser, report
from mcp_service.adapters.qdrant_edge import QdrantEdgeStore
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings
from mcp_service.domain.model import Chunk, SearchMode
from mcp_service.services.knowledge.collections import DocumentInput

DIM = 384
MODES: tuple[SearchMode, ...] = ("dense", "lexical", "hybrid")
LOAD_BATCH = 2000


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(size)]


def _place(i: int, layout: str) -> tuple[str, str]:
    if layout == "single":
        return "t0", "c0"
    return f"t{i % 10}", f"c{(i // 10) % 5}"


async def load(store: QdrantEdgeStore, n: int, layout: str, seed: int) -> float:
    rng, np_rng = random.Random(seed), np.random.default_rng(seed)
    words = _vocabulary(rng)
    started = time.perf_counter()
    for start in range(0, n, LOAD_BATCH):
        size = min(LOAD_BATCH, n - start)
        vectors = np_rng.standard_normal((size, DIM), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        by_tenant: dict[str, tuple[list[Chunk], list[list[float]]]] = {}
        for j, vector in enumerate(vectors.tolist()):
            tenant, collection = _place(start + j, layout)
            text = " ".join(rng.choices(words, k=40))
            doc = str(uuid.uuid4())
            chunk = Chunk(str(uuid.uuid4()), tenant, collection, doc, 0, text, 60, {})
            group = by_tenant.setdefault(tenant, ([], []))
            group[0].append(chunk)
            group[1].append(vector)
        for tenant, (chunks, vecs) in by_tenant.items():
            await store.upsert_chunks(tenant, chunks, vecs)
    return time.perf_counter() - started


async def timings(store: QdrantEdgeStore, count: int, seed: int) -> dict[str, Any]:
    rng, np_rng = random.Random(seed + 1), np.random.default_rng(seed + 1)
    words = _vocabulary(random.Random(seed))
    out: dict[str, Any] = {}
    for mode in MODES:
        samples = []
        for q in range(count + 10):
            vector = np_rng.standard_normal(DIM).astype(np.float32)
            vector /= np.linalg.norm(vector)
            text = " ".join(rng.choices(words, k=4))
            started = time.perf_counter()
            await store.search_chunks(
                "t0",
                vector.tolist() if mode != "lexical" else None,
                text,
                collections=["c0"],
                top_k=8,
                mode=mode,
            )
            if q >= 10:  # the first ones warm caches
                samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        out[mode] = {
            "p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        }
    return out


async def latency(args: argparse.Namespace, layout: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = QdrantEdgeStore(Path(tmp))
        await store.ensure_ready(DIM)
        try:
            load_s = await load(store, args.chunks, layout, args.seed)
            row: dict[str, Any] = {
                "layout": layout,
                "chunks": args.chunks,
                "load_s": round(load_s, 1),
                "load_chunks_per_s": round(args.chunks / load_s),
                "queries": args.queries,
                "unoptimized": await timings(store, args.queries, args.seed),
            }
            if args.optimize:
                started = time.perf_counter()
                await store.optimize()
                row["optimize_s"] = round(time.perf_counter() - started, 1)
                row["optimized"] = await timings(store, args.queries, args.seed)
            return row
        finally:
            await store.close()


async def quality(args: argparse.Namespace) -> dict[str, Any]:
    sets = {
        "tickets": (recs := records(args.records, seed=args.seed), queries(recs, seed=args.seed)),
        "runbooks": (books := runbooks(seed=args.seed), runbook_queries(books, seed=args.seed)),
    }
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), auth="disabled", worker_enabled=False, _env_file=None
        )
        c = await build_container(settings, run_migrations=True)
        try:
            out: dict[str, Any] = {}
            for name, (recs_, qs) in sets.items():
                docs = [DocumentInput(r.text, r.external_id) for r in recs_]
                outcomes = await c.knowledge.ingest("bench", name, docs)
                ids = {o.document_id: o.external_id for o in outcomes}
                out[name] = {
                    "records": len(recs_),
                    "queries": len(qs),
                    "modes": await _rank_modes(c, name, qs, ids),
                }
            out["floor"] = await _floor_profile(c, sets)
            return out
        finally:
            await c.aclose()


async def _rank_modes(
    c: Container, collection: str, qs: list[Query], ids: dict[str, str | None]
) -> dict[str, Any]:
    runs: dict[str, Any] = {}
    variants: list[tuple[str, SearchMode, bool]] = [(m, m, False) for m in MODES]
    for label, mode, mmr in [*variants, ("hybrid+mmr", "hybrid", True)]:
        ranks = []
        for q in qs:
            hits = await c.knowledge.search(
                "bench", collection, q.text, top_k=5, mode=mode, metadata_filter=None, mmr=mmr
            )
            found = [ids.get(h.document_id) for h in hits]
            rank = found.index(q.relevant) + 1 if q.relevant in found else 0
            ranks.append((q.kind, rank))
        runs[label] = _scores(ranks)
    return runs


async def _floor_profile(
    c: Container, sets: dict[str, tuple[list[Record], list[Query]]]
) -> dict[str, Any]:
    """The best hybrid and dense score of answerable and of unrelated messages."""
    answerable = [q.text for _, qs in sets.values() for q in qs]
    profile: dict[str, Any] = {}
    for label, texts in (("answerable", answerable), ("unrelated", list(UNRELATED_QUERIES))):
        for mode in ("hybrid", "dense"):
            best = []
            for text in texts:
                top = 0.0
                for collection in sets:
                    hits = await c.knowledge.search(
                        "bench", collection, text, top_k=1, mode=mode, metadata_filter=None
                    )
                    top = max([top, *(h.score for h in hits)])
                best.append(top)
            best.sort()
            profile[f"{label} {mode}"] = {
                "min": round(best[0], 3),
                "p05": round(best[int(len(best) * 0.05)], 3),
                "p50": round(statistics.median(best), 3),
                "max": round(best[-1], 3),
            }
    return profile


def _scores(ranks: list[tuple[str, int]]) -> dict[str, Any]:
    def recall(rows: list[int]) -> float:
        return round(sum(1 for r in rows if r) / len(rows), 3)

    kinds = sorted({k for k, _ in ranks})
    return {
        "top1": round(sum(1 for _, r in ranks if r == 1) / len(ranks), 3),
        "recall@5": recall([r for _, r in ranks]),
        "mrr@5": round(sum(1 / r for _, r in ranks if r) / len(ranks), 3),
        "by_kind": {k: recall([r for kk, r in ranks if kk == k]) for k in kinds},
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"cores": os.cpu_count(), "vector_store": "qdrant-edge"}
    if not args.skip_latency:
        out["latency"] = [await latency(args, layout) for layout in args.layouts.split(",")]
    if not args.skip_quality:
        out["quality"] = await quality(args)
    return out


def print_table(out: dict[str, Any]) -> None:
    print(f"machine: {out['cores']} cores · {out['vector_store']}")
    for row in out.get("latency", []):
        print(
            f"\nsearch latency, {row['chunks']:,} chunks, layout {row['layout']} "
            f"(loaded at {row['load_chunks_per_s']:,} chunks/s), top_k 8, filtered by tenant "
            f"and collection, query embedding excluded, {row['queries']} queries per mode"
        )
        print(f"{'index':12} {'mode':8} {'p50 ms':>8} {'p95 ms':>8}")
        for phase in ("unoptimized", "optimized"):
            for mode, t in row.get(phase, {}).items():
                print(f"{phase:12} {mode:8} {t['p50_ms']:>8} {t['p95_ms']:>8}")
        if "optimize_s" in row:
            print(f"(optimize(): {row['optimize_s']} s to build the HNSW index)")
    if "quality" in out:
        for name in ("tickets", "runbooks"):
            qual = out["quality"][name]
            print(
                f"\nretrieval on {qual['records']} look-alike {name}, {qual['queries']} "
                "questions naming an exact term (all-MiniLM-L6-v2)"
            )
            kinds = sorted(next(iter(qual["modes"].values()))["by_kind"])
            head = " ".join(f"{k:>12}" for k in kinds)
            print(f"{'mode':11} {'top-1':>6} {'recall@5':>9} {'MRR@5':>7} {head}")
            for mode, s in qual["modes"].items():
                cells = " ".join(f"{s['by_kind'][k]:>12}" for k in kinds)
                print(f"{mode:11} {s['top1']:>6} {s['recall@5']:>9} {s['mrr@5']:>7} {cells}")
        print("\nbest score per message (what the knowledge relevance floor is chosen from)")
        for label, s in out["quality"]["floor"].items():
            print(f"{label:20} min {s['min']}  p05 {s['p05']}  p50 {s['p50']}  max {s['max']}")


def main(argv: list[str]) -> int:
    parser = bench_parser("search", __doc__)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--layouts", default="single,spread", help="single, spread or both")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per mode")
    parser.add_argument(
        "--no-optimize",
        dest="optimize",
        action="store_false",
        help="skip building the HNSW index (QdrantEdgeStore.optimize) and timing after it",
    )
    parser.add_argument("--records", type=int, default=300, help="tickets for the quality test")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    return report(asyncio.run(run(args)), args.json, print_table, indent=2)
